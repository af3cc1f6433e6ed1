/**
 * Chinese sentiment on news, end to end: `npx newsfuse score --jsonl` (the one-shot CLI: language
 * routing → jieba + bge-small-zh + the Chinese head → score) on clear good-news and bad-news headlines
 * written for this test (not from any data set; the head was trained on product reviews). Each must come
 * out in Chinese, and at least 20 of each kind with the label of its news (positive / negative, beyond the
 * neutral band).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScoredEvent, decode } from '@newsfuse/shared';
import { REPO_ROOT } from '@newsfuse/testkit/paths';

export const GOOD_NEWS = [
  '我国科学家取得重大突破，新型电池能量密度提高一倍',
  '股市大涨，投资者信心明显恢复',
  '中国女排夺得世界杯冠军，全国球迷欢欣鼓舞',
  '被困矿工全部获救，救援行动圆满成功',
  '新药临床试验成功，癌症患者迎来新希望',
  '全年粮食喜获丰收，产量创历史新高',
  '经济强劲复苏，失业率降至十年来最低',
  '跨海大桥顺利建成通车，两岸居民出行更加便利',
  '志愿者捐赠百万物资，温暖山区孩子的冬天',
  '空气质量持续改善，蓝天天数明显增加',
  '两国签署和平协议，结束多年冲突',
  '公司利润大幅增长，员工获得丰厚奖金',
  '失散三十年的母子终于团聚，场面十分感人',
  '新冠患者全部康复出院，医护人员获表彰',
  '我国运动员打破世界纪录，荣获金牌',
  '政府宣布减税降费，小微企业负担大大减轻',
  '贫困村脱贫致富，村民过上幸福生活',
  '新建医院正式投入使用，看病更加方便',
  '国产大飞机首飞成功，航空工业迎来里程碑',
  '洪水退去后灾区重建顺利，居民重返家园',
  '年轻教师获得全国优秀教师称号，学生纷纷点赞',
  '外资持续流入，市场前景十分乐观',
];
export const BAD_NEWS = [
  '股市暴跌，投资者损失惨重，市场恐慌情绪蔓延',
  '地震造成数百人死亡',
  '高速公路发生严重车祸，造成十余人死伤',
  '工厂发生爆炸，多名工人遇难',
  '洪水冲毁村庄，数千居民无家可归',
  '恐怖袭击造成大量平民伤亡',
  '公司宣布破产，数千名员工失业',
  '客机坠毁，机上乘客全部遇难',
  '疫情再次爆发，感染人数急剧上升',
  '森林大火失控，烧毁大片房屋',
  '官员贪污受贿被捕，涉案金额巨大',
  '经济持续衰退，失业率创下新高',
  '台风登陆造成严重破坏，多人失踪',
  '食品安全丑闻曝光，消费者愤怒不已',
  '化工厂泄漏导致河流严重污染',
  '矿难事故致二十名矿工被困井下生死未卜',
  '房价暴跌，许多家庭背负沉重债务',
  '校园暴力事件频发，家长忧虑不安',
  '连日暴雨引发山体滑坡，道路中断',
  '战争持续升级，难民人数不断增加',
  '诈骗团伙骗走老人毕生积蓄',
  '货轮在暴风雨中沉没，船员下落不明',
];

function newsfuse(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'newsfuse', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

void describe('Chinese news sentiment through npx newsfuse score --jsonl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nf-zh-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  void test(`at least 20 of ${GOOD_NEWS.length} good-news headlines positive, 20 of ${BAD_NEWS.length} bad-news negative`, async (t) => {
    assert.ok(GOOD_NEWS.length >= 20 && BAD_NEWS.length >= 20);
    const rows = [
      ...GOOD_NEWS.map((title, i) => ({ id: `zh-good-${i}`, title })),
      ...BAD_NEWS.map((title, i) => ({ id: `zh-bad-${i}`, title })),
    ];
    const input = join(dir, 'headlines.jsonl');
    writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r = await newsfuse(['score', '--jsonl', input]);
    assert.equal(r.code, 0, r.stderr);
    const scored = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => decode(ScoredEvent, JSON.parse(l)));
    assert.equal(scored.length, rows.length);
    const wrong = { good: [] as string[], bad: [] as string[] };
    for (const s of scored) {
      assert.equal(s.language, 'zh', s.title);
      assert.match(s.models.text ?? '', /bge-small-zh-v15-q\+jieba\+zh-head/, 'the learned Chinese head scored it');
      const good = s.articleId.startsWith('zh-good-');
      // the label (beyond the ±0.05 neutral band), not just the sign
      if (s.sentiment.label !== (good ? 'positive' : 'negative'))
        wrong[good ? 'good' : 'bad'].push(`${s.title}: ${s.sentiment.fused?.toFixed(3)} (${s.sentiment.label})`);
    }
    for (const m of [...wrong.good, ...wrong.bad]) t.diagnostic(`wrong label: ${m}`);
    // At least 20 of each kind right (≥ 90 %). The head was fitted on product reviews; headlines whose
    // polarity is compositional ("unemployment falls", "peace ends a conflict", "refugee numbers
    // increase") can still come out wrong — the misses are printed above and listed in
    // docs/evaluation-sentiment.md.
    assert.ok(GOOD_NEWS.length - wrong.good.length >= 20, `good news labelled wrong:\n${wrong.good.join('\n')}`);
    assert.ok(BAD_NEWS.length - wrong.bad.length >= 20, `bad news labelled wrong:\n${wrong.bad.join('\n')}`);
  });
});
