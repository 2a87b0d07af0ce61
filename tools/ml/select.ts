import { pathToFileURL } from 'node:url';
import { FULL } from '../../shared/ml/features';
import { loadBars, TRAIN_FILE } from './data';
import { configSet, MENU, trainModel } from './train';

/**
 * Scores every menu entry by rolling-origin validation on the training file and applies the rule fixed with
 * the menu: the volatility configuration (λ, time of day) with the lowest mean over blocks and horizons of
 * QLIKE(model)/QLIKE(EWMA); then, between calibration windows of that configuration, the lowest mean over
 * blocks and horizons of |coverage − 90 %|. Pinball, GARCH and Brier are reported, not ranked on.
 */
export function scoreMenu(path = TRAIN_FILE) {
  const { bars } = loadBars(path);
  return Object.entries(MENU).map(([name, cfg]) => {
    const { validation } = trainModel(bars, cfg, configSet(FULL, cfg));
    const cells = validation.blocks.flatMap((b) => Object.values(b.horizons));
    const mean = (g: (c: (typeof cells)[number]) => number) => cells.reduce((s, c) => s + g(c), 0) / cells.length;
    return {
      name, cfg, validation,
      qlikeRatio: mean((c) => c.qlike.model / c.qlike.ewma),
      coverageError: mean((c) => Math.abs(c.coverage90 - 0.9)),
      pinball: mean((c) => c.pinball),
    };
  });
}

export function choose(scored: ReturnType<typeof scoreMenu>): string {
  const volKey = (c: (typeof scored)[number]['cfg']) => `${c.volLambda}/${c.timeOfDay}/${c.dirLambda}`;
  const best = scored.reduce((a, b) => (b.qlikeRatio < a.qlikeRatio ? b : a));
  return scored.filter((s) => volKey(s.cfg) === volKey(best.cfg)).reduce((a, b) => (b.coverageError < a.coverageError ? b : a)).name;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const scored = scoreMenu();
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  console.log('| entry | block | horizon | QLIKE model | EWMA | GARCH | realized | vs EWMA | vs GARCH | coverage 5–95 % | pinball | Brier model | base rate |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of scored)
    for (const b of s.validation.blocks)
      for (const [h, c] of Object.entries(b.horizons))
        console.log(`| ${s.name} | ${b.from.slice(0, 16)} → ${b.to.slice(5, 16)} | ${h} | ${c.qlike.model.toFixed(4)} | ${c.qlike.ewma.toFixed(4)} | ${c.qlike.garch.toFixed(4)} | ${c.qlike.realized.toFixed(4)} | ${pct(1 - c.qlike.model / c.qlike.ewma)} | ${pct(1 - c.qlike.model / c.qlike.garch)} | ${pct(c.coverage90)} | ${c.pinball.toExponential(4)} | ${c.brier.model.toFixed(5)} | ${c.brier.baseRate.toFixed(5)} |`);
  console.log(JSON.stringify({ summary: scored.map((s) => ({ name: s.name, qlikeRatio: s.qlikeRatio, coverageError: s.coverageError, pinball: s.pinball, verdicts: s.validation.verdicts })), chosen: choose(scored) }, null, 2));
}
