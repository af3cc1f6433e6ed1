/**
 * The 80 COCO detector labels in Chinese: the name the image's text view uses for a Chinese article
 * ("照片中有：人、狗。"), and the words (synonyms, common kinds) that name the label in Chinese text,
 * the Chinese counterpart of the WordNet table behind coco.ts. Written for this project (not a
 * translation of WordNet): Simplified Chinese, everyday news vocabulary, each word one jieba token or
 * a run of up to three jieba tokens ("消防" + "栓").
 *
 * Pure; `zhCocoMentions` matches jieba token runs of a text against the table, longest first, like
 * cocoMentions does for English stems.
 */
import { COCO_LABELS, type CocoLabel } from '../coco-labels.ts';

export interface ZhCocoEntry {
  /** The name in the text view. */
  name: string;
  /** Other words that name the label (the name itself is matched too). */
  words: readonly string[];
}

export const COCO_ZH: Readonly<Record<CocoLabel, ZhCocoEntry>> = {
  person: {
    name: '人',
    words: [
      '人们',
      '男子',
      '女子',
      '男人',
      '女人',
      '男孩',
      '女孩',
      '孩子',
      '儿童',
      '小孩',
      '行人',
      '民众',
      '市民',
      '居民',
      '群众',
      '游客',
      '球员',
      '运动员',
      '学生',
      '老人',
      '妇女',
      '士兵',
      '工人',
      '警察',
      '总统',
      '人群',
    ],
  },
  bicycle: { name: '自行车', words: ['单车', '脚踏车', '共享单车', '骑车', '骑行'] },
  car: {
    name: '汽车',
    words: ['轿车', '小汽车', '私家车', '车辆', '出租车', '的士', '警车', '跑车', '越野车', 'suv', '电动车', '新能源车'],
  },
  motorcycle: { name: '摩托车', words: ['机车', '电瓶车', '电动摩托'] },
  airplane: { name: '飞机', words: ['客机', '航班', '战机', '战斗机', '喷气机', '运输机', '民航', '航空器'] },
  bus: { name: '公交车', words: ['公共汽车', '巴士', '大巴', '客车', '校车', '公交'] },
  train: { name: '火车', words: ['列车', '高铁', '动车', '地铁', '铁路', '机车头'] },
  truck: { name: '卡车', words: ['货车', '大货车', '重卡', '皮卡', '消防车', '垃圾车'] },
  boat: { name: '船', words: ['船只', '小船', '渔船', '轮船', '游艇', '帆船', '舰艇', '军舰', '货轮', '渡轮', '皮划艇', '独木舟'] },
  'traffic light': { name: '红绿灯', words: ['交通灯', '信号灯', '交通信号灯'] },
  'fire hydrant': { name: '消防栓', words: ['消火栓'] },
  'stop sign': { name: '停车标志', words: ['停止标志', '停车牌'] },
  'parking meter': { name: '停车计时器', words: ['咪表', '停车收费表'] },
  bench: { name: '长椅', words: ['长凳', '板凳', '公园长椅'] },
  bird: { name: '鸟', words: ['鸟类', '小鸟', '飞鸟', '候鸟', '鸽子', '麻雀', '海鸥', '鹦鹉', '老鹰', '天鹅', '企鹅', '鸭子', '鹅'] },
  cat: { name: '猫', words: ['猫咪', '小猫', '家猫', '花猫', '狸花猫', '流浪猫', '橘猫', '波斯猫', '暹罗猫', '布偶猫'] },
  dog: {
    name: '狗',
    words: [
      '小狗',
      '狗狗',
      '犬',
      '宠物狗',
      '警犬',
      '导盲犬',
      '牧羊犬',
      '金毛',
      '金毛犬',
      '柯基',
      '泰迪',
      '哈士奇',
      '拉布拉多',
      '拉布拉多犬',
      '柴犬',
      '藏獒',
      '猎犬',
      '宠物犬',
      '流浪狗',
      '流浪犬',
      '贵宾犬',
      '比格犬',
      '斗牛犬',
      '吉娃娃',
      '搜救犬',
    ],
  },
  horse: { name: '马', words: ['马匹', '骏马', '赛马', '马术', '小马', '矮马'] },
  sheep: { name: '羊', words: ['绵羊', '羊群', '羔羊', '小羊', '山羊'] },
  cow: { name: '牛', words: ['奶牛', '黄牛', '牛群', '公牛', '母牛', '水牛', '牦牛', '牲畜'] },
  elephant: { name: '大象', words: ['象', '亚洲象', '非洲象', '象群'] },
  bear: { name: '熊', words: ['黑熊', '棕熊', '北极熊', '灰熊', '熊猫', '大熊猫'] },
  zebra: { name: '斑马', words: ['斑马群'] },
  giraffe: { name: '长颈鹿', words: [] },
  backpack: { name: '背包', words: ['双肩包', '书包', '旅行包', '登山包'] },
  umbrella: { name: '雨伞', words: ['伞', '遮阳伞', '太阳伞'] },
  handbag: { name: '手提包', words: ['手袋', '包包', '皮包', '挎包', '女包'] },
  tie: { name: '领带', words: ['领结'] },
  suitcase: { name: '行李箱', words: ['旅行箱', '拉杆箱', '箱子', '行李'] },
  frisbee: { name: '飞盘', words: ['飞碟'] },
  skis: { name: '滑雪板', words: ['双板', '滑雪', '雪橇'] },
  snowboard: { name: '单板滑雪板', words: ['单板', '单板滑雪'] },
  'sports ball': { name: '球', words: ['足球', '篮球', '排球', '网球', '棒球', '橄榄球', '皮球'] },
  kite: { name: '风筝', words: ['纸鸢'] },
  'baseball bat': { name: '棒球棒', words: ['球棒', '棒球'] },
  'baseball glove': { name: '棒球手套', words: ['手套'] },
  skateboard: { name: '滑板', words: ['滑板车'] },
  surfboard: { name: '冲浪板', words: ['冲浪'] },
  'tennis racket': { name: '网球拍', words: ['球拍', '网球'] },
  bottle: { name: '瓶子', words: ['瓶', '水瓶', '酒瓶', '塑料瓶', '矿泉水'] },
  'wine glass': { name: '酒杯', words: ['红酒杯', '高脚杯', '葡萄酒'] },
  cup: { name: '杯子', words: ['茶杯', '水杯', '咖啡杯', '马克杯', '杯'] },
  fork: { name: '叉子', words: ['餐叉'] },
  knife: { name: '刀', words: ['刀具', '小刀', '菜刀', '餐刀', '匕首'] },
  spoon: { name: '勺子', words: ['汤匙', '调羹', '勺'] },
  bowl: { name: '碗', words: ['饭碗', '汤碗', '大碗'] },
  banana: { name: '香蕉', words: ['芭蕉'] },
  apple: { name: '苹果', words: [] },
  sandwich: { name: '三明治', words: ['汉堡', '汉堡包', '帕尼尼'] },
  orange: { name: '橙子', words: ['橙', '橘子', '柑橘', '桔子'] },
  broccoli: { name: '西兰花', words: ['西蓝花', '花椰菜', '花菜'] },
  carrot: { name: '胡萝卜', words: ['红萝卜'] },
  'hot dog': { name: '热狗', words: ['香肠'] },
  pizza: { name: '披萨', words: ['比萨', '匹萨', '比萨饼'] },
  donut: { name: '甜甜圈', words: ['甜圈', '多拿滋'] },
  cake: { name: '蛋糕', words: ['生日蛋糕', '糕点', '甜点'] },
  chair: { name: '椅子', words: ['座椅', '凳子', '扶手椅'] },
  couch: { name: '沙发', words: ['长沙发'] },
  'potted plant': { name: '盆栽', words: ['盆景', '花盆', '绿植'] },
  bed: { name: '床', words: ['床铺', '病床', '床位'] },
  'dining table': { name: '餐桌', words: ['饭桌', '桌子', '桌'] },
  toilet: { name: '马桶', words: ['厕所', '坐便器', '卫生间'] },
  tv: { name: '电视', words: ['电视机', '显示屏'] },
  laptop: { name: '笔记本电脑', words: ['手提电脑', '电脑', '笔记本'] },
  mouse: { name: '鼠标', words: [] },
  remote: { name: '遥控器', words: [] },
  keyboard: { name: '键盘', words: [] },
  'cell phone': { name: '手机', words: ['智能手机', '移动电话', 'iphone'] },
  microwave: { name: '微波炉', words: [] },
  oven: { name: '烤箱', words: ['烤炉', '炉子'] },
  toaster: { name: '烤面包机', words: ['多士炉'] },
  sink: { name: '水槽', words: ['洗手池', '水池', '洗碗池'] },
  refrigerator: { name: '冰箱', words: ['电冰箱', '冰柜'] },
  book: { name: '书', words: ['书籍', '图书', '书本', '书店', '小说'] },
  clock: { name: '时钟', words: ['钟', '钟表', '挂钟', '闹钟', '大钟'] },
  vase: { name: '花瓶', words: ['瓷瓶'] },
  scissors: { name: '剪刀', words: [] },
  'teddy bear': { name: '泰迪熊', words: ['玩具熊', '毛绒熊', '毛绒玩具'] },
  'hair drier': { name: '吹风机', words: ['电吹风'] },
  toothbrush: { name: '牙刷', words: ['电动牙刷'] },
};

/**
 * Head characters: a Chinese compound names a kind of its last character (金毛犬 and 藏獒 are dogs,
 * 黑天鹅 and 蜂鸟 birds, 集装箱船 a boat): the counterpart of the WordNet hyponyms behind the English
 * table. A word of ≥ 2 characters that the table does not list and that ends in one of these names
 * its label, unless it ends in one of `HEAD_EXCEPTIONS` (熊猫 is a bear, not a cat; 树袋熊 no bear).
 */
export const ZH_HEADS: Readonly<Record<string, CocoLabel>> = {
  犬: 'dog',
  狗: 'dog',
  獒: 'dog',
  猫: 'cat',
  鸟: 'bird',
  雀: 'bird',
  鹰: 'bird',
  雕: 'bird',
  鸭: 'bird',
  鹅: 'bird',
  鹤: 'bird',
  鹭: 'bird',
  鸮: 'bird',
  鹉: 'bird',
  鸽: 'bird',
  鸥: 'bird',
  鹬: 'bird',
  鹳: 'bird',
  鹕: 'bird',
  熊: 'bear',
  船: 'boat',
  艇: 'boat',
  舰: 'boat',
};
export const HEAD_EXCEPTIONS: ReadonlySet<string> = new Set(['熊猫', '大熊猫', '小熊猫', '袋熊', '浣熊', '山猫', '泰迪熊', '玩具熊']);

function isHeadException(word: string): boolean {
  for (const e of HEAD_EXCEPTIONS) if (word.endsWith(e)) return true;
  return false;
}

export interface ZhCocoMention {
  label: CocoLabel;
  /** The word of the text that matched (tokens joined). */
  key: string;
}

let index: Map<string, CocoLabel[]> | undefined;
let maxChars = 1;

/** Every Chinese word of the table → the labels it names. */
export function zhCocoIndex(): ReadonlyMap<string, readonly CocoLabel[]> {
  if (index) return index;
  const map = new Map<string, CocoLabel[]>();
  for (const label of COCO_LABELS) {
    const e = COCO_ZH[label];
    for (const w of [e.name, ...e.words]) {
      const key = w.normalize('NFKC').toLowerCase();
      maxChars = Math.max(maxChars, key.length);
      const labels = map.get(key) ?? [];
      if (!labels.includes(label)) labels.push(label);
      map.set(key, labels);
    }
  }
  index = map;
  return map;
}

/** COCO labels a Chinese word names as a whole ("小狗" → ['dog']). */
export const zhCocoLabelsOf = (word: string): CocoLabel[] => [...(zhCocoIndex().get(word.normalize('NFKC').toLowerCase()) ?? [])];

/**
 * COCO labels named by texts given as token sequences (jieba words, lower case): runs of up to three
 * consecutive tokens, joined without spaces, longest match first from left to right, so the tokens
 * of a matched word do not count again. One mention per (label, key).
 */
export function zhCocoMentions(sequences: readonly (readonly string[])[], maxTokens = 3): ZhCocoMention[] {
  const idx = zhCocoIndex();
  const out: ZhCocoMention[] = [];
  const seen = new Set<string>();
  for (const seq of sequences) {
    for (let i = 0; i < seq.length;) {
      let step = 1;
      for (let k = Math.min(maxTokens, seq.length - i); k >= 1; k--) {
        const key = seq.slice(i, i + k).join('');
        if (key.length > maxChars) continue;
        const labels = idx.get(key);
        if (!labels) continue;
        for (const label of labels) {
          if (seen.has(`${label}\t${key}`)) continue;
          seen.add(`${label}\t${key}`);
          out.push({ label, key });
        }
        step = k;
        break;
      }
      const word = seq[i]!;
      // a head character first (a table lookup), the exceptions only for a word that has one
      const candidate = step === 1 && !idx.has(word) && word.length >= 2 ? ZH_HEADS[word.at(-1)!] : undefined;
      const head = candidate && !isHeadException(word) ? candidate : undefined;
      if (head && !seen.has(`${head}\t${word}`)) {
        seen.add(`${head}\t${word}`);
        out.push({ label: head, key: word });
      }
      i += step;
    }
  }
  return out;
}
