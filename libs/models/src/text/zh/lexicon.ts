/**
 * A small Chinese polarity lexicon, written for this project (news and everyday evaluative words,
 * ~180 positive and ~200 negative), scored over jieba words with negation and degree adverbs:
 *
 *   word polarity   +1 / −1 (a few strong words ±2)
 *   negation        不 没 没有 未 无 非 别 不是 并非 毫无 … flip the next polar word within 3 words
 *   degree          很 非常 十分 极 太 特别 最 … ×1.5 on the next polar word within 2 words
 *   score           s = Σ, squashed with VADER's normaliser s / √(s² + 15) into (−1, 1)
 *
 * It is the baseline the learned Chinese head is compared with (npm run eval:sentiment) and the
 * per-sentence fallback when the head's weights are absent. Traditional characters are expected to be
 * converted before (the language router does).
 */
import { segment } from '@newsfuse/text/zh';

const POSITIVE = `
好 很好 好的 较好 良好 美好 不错 挺好 优秀 优质 优良 出色 卓越 杰出 精彩 完美 满意 喜欢 喜爱 热爱 爱 赞 称赞 赞扬 表扬 点赞 推荐 值得
成功 胜利 获胜 夺冠 冠军 赢 赢得 突破 进步 发展 增长 上涨 大涨 飙升 回升 反弹 创新高 盈利 丰收 繁荣 兴旺 提高 提升 改善 增加 扩大 复苏
开心 高兴 快乐 幸福 愉快 欣喜 喜悦 兴奋 激动 感动 温暖 温馨 欢乐 欢迎 欢庆 庆祝 祝贺 恭喜 骄傲 自豪 放心 安心 舒服 舒适 舒心 轻松
安全 稳定 平安 健康 康复 痊愈 获救 救出 脱险 和平 和谐 团结 友好 合作 共赢 互利 支持 帮助 援助 捐赠 慈善 感谢 谢谢 感激
漂亮 美丽 好看 可爱 清新 干净 整洁 方便 便宜 实惠 划算 物美价廉 快捷 及时 高效 耐用 实用 好用 流畅 清晰 精致 大方 宽敞 安静 热情 周到 贴心 耐心 专业 靠谱 给力
创纪录 里程碑 领先 荣获 获奖 奖励 表彰 优惠 免费 利好 回暖 向好 强劲 稳健 乐观 信心 希望 机遇 顺利 圆满 落成 通车 开通 投产 建成 减税 降价
正品 超值 惊喜 好评 推荐购买 物有所值 性价比高 棒 很棒 真棒 厉害 牛 满分 完好 准时 有用 有趣 生动 感人 经典 精美 亲切 礼貌 干净卫生
`;

const NEGATIVE = `
坏 差 很差 太差 较差 糟糕 糟 烂 垃圾 劣质 差劲 失望 不满 不满意 讨厌 厌恶 恶心 愤怒 生气 气愤 恼火 郁闷 难过 伤心 悲伤 痛苦 悲痛 哀悼 遗憾 可惜 后悔 担心 担忧 忧虑 焦虑 恐慌 恐惧 害怕 紧张
失败 失利 输 败 亏损 亏 下跌 大跌 暴跌 跳水 崩盘 暴跌 下滑 下降 萎缩 衰退 低迷 疲软 缩水 贬值 通胀 破产 倒闭 裁员 失业 欠薪 债务 违约 危机 风险 泡沫 利空 损失 赔 惨淡
死 死亡 身亡 遇难 丧生 死伤 伤亡 受伤 重伤 致死 牺牲 去世 病逝 遇害 杀害 谋杀 凶杀 枪击 爆炸 袭击 恐怖 恐袭 战争 冲突 战乱 轰炸 屠杀 暴力 暴乱 骚乱 抗议 示威
地震 洪水 洪灾 水灾 火灾 大火 台风 暴雨 干旱 旱灾 海啸 泥石流 滑坡 塌方 坍塌 灾难 灾害 事故 车祸 空难 坠毁 沉没 脱轨 相撞 泄漏 污染 疫情 瘟疫 感染 病毒 爆发 传染
犯罪 违法 违规 腐败 贪污 受贿 行贿 诈骗 欺诈 骗 骗子 偷 盗窃 抢劫 走私 贩毒 逮捕 被捕 判刑 入狱 指控 起诉 丑闻 造假 假货 假的 虚假 欺骗 坑 坑人 黑心
问题 毛病 故障 缺陷 瑕疵 破损 损坏 坏了 漏 慢 太慢 很慢 贵 太贵 难用 难吃 难看 难听 麻烦 费劲 吵 吵闹 脏 太脏 异味 臭 冷漠 恶劣 态度差 敷衍 粗鲁 无语 无聊 乏味 不好 不行 没用 不值 上当 退货 投诉 后悔买
警告 威胁 紧急 严峻 严重 恶化 危险 危急 困难 困境 艰难 短缺 匮乏 饥荒 贫困 停电 停水 瘫痪 中断 延误 拥堵 受灾 灾民 难民 逃离 撤离 失踪 被困 绑架 劫持 悲剧 惨剧 惨案 惨重 惨
`;

/** Strong words (±2): deaths, disasters, crashes at one end, breakthroughs and triumphs at the other. */
const STRONG = new Set(
  '死亡 身亡 遇难 丧生 屠杀 暴跌 崩盘 灾难 惨重 惨剧 惨案 悲剧 恐怖 恐袭 战争 破产 重大突破 完美 卓越 杰出 夺冠 大涨 飙升 创纪录'.split(
    ' ',
  ),
);

const NEGATORS = new Set('不 没 没有 未 无 非 别 不是 并非 毫无 从未 从不 未能 无法 不会 不要 不再 绝不 决不 不够 不太'.split(' '));
const DEGREE = new Set('很 非常 十分 极 极其 极为 太 特别 最 更 相当 超 超级 格外 尤其 异常 严重地 大大'.split(' '));

function build(): Map<string, number> {
  const m = new Map<string, number>();
  for (const w of POSITIVE.split(/\s+/)) if (w) m.set(w, STRONG.has(w) ? 2 : 1);
  for (const w of NEGATIVE.split(/\s+/)) if (w) m.set(w, STRONG.has(w) ? -2 : -1);
  return m;
}
let lexicon: Map<string, number> | undefined;
/** word → polarity (read-only view). */
export function zhPolarityLexicon(): ReadonlyMap<string, number> {
  return (lexicon ??= build());
}

const ALPHA = 15;
const squash = (s: number): number => (s === 0 ? 0 : s / Math.sqrt(s * s + ALPHA));

/** Raw lexicon sum over jieba words (negation and degree applied), and the count of polar words. */
export function zhLexiconSum(words: readonly string[]): { sum: number; hits: number } {
  const lex = zhPolarityLexicon();
  let sum = 0;
  let hits = 0;
  let negateWithin = 0;
  let boostWithin = 0;
  for (const w of words) {
    const p = lex.get(w);
    if (p !== undefined) {
      let v = p;
      if (boostWithin > 0) v *= 1.5;
      if (negateWithin > 0) v = -v;
      sum += v;
      hits++;
      negateWithin = 0;
      boostWithin = 0;
      continue;
    }
    if (NEGATORS.has(w)) negateWithin = 4;
    else if (DEGREE.has(w)) boostWithin = 3;
    if (negateWithin > 0) negateWithin--;
    if (boostWithin > 0) boostWithin--;
  }
  return { sum, hits };
}

/** Lexicon polarity of one Chinese sentence in (−1, 1) (0 when no polar word). */
export function zhLexiconScore(sentence: string): number {
  return squash(zhLexiconSum(segment(sentence)).sum);
}
