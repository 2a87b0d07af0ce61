import { For, onCleanup, onMount, Show } from 'solid-js';
import { fmt } from '../format';
import type { ForecastResult, ModelInfo, ValidationVerdict, Warmup } from '../workers/forecast-view';

const pct = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? '—' : `${fmt(v * 100, d)}%`);
const signed = (v: number) => `${v >= 0 ? '+' : '−'}${fmt(Math.abs(v) * 100, 2)}%`;

/** What validation says about each forecast, in words, block by block too: a miss is stated, not hidden. */
function honesty(v: ValidationVerdict) {
  const of = (k: number) => `${k} of ${v.blocks} blocks`;
  return {
    vol: v.volBeatsEwmaBy10 && v.volNoWorseThanGarch
      ? `beat EWMA by ${signed(v.qlikeVsEwma)} and GARCH by ${signed(v.qlikeVsGarch)} (QLIKE, mean); EWMA beaten by 10% in ${of(v.blocksBeatingEwmaBy10)}, GARCH in ${of(v.blocksNoWorseThanGarch)}`
      : `QLIKE vs EWMA ${signed(v.qlikeVsEwma)} (goal +10%, met in ${of(v.blocksBeatingEwmaBy10)}), vs GARCH ${signed(v.qlikeVsGarch)} (no worse in ${of(v.blocksNoWorseThanGarch)}): below goal`,
    band: `5–95% band held ${pct(v.coverage90, 1)} of outcomes${v.bandCalibrated ? '' : v.coverage90 < 0.87 ? ' (goal 87–93%): too narrow' : ' (goal 87–93%): too wide'}, within 87–93% in ${of(v.blocksBandCalibrated)}`,
    dir: !v.directionSkill
      ? 'P(up) is the training base rate: validation found no directional skill, so none is claimed'
      : v.directionNoWorseThanBaseRate
        ? `P(up) Brier ${signed(v.brierVsBase)} vs base rate (no worse in ${of(v.blocksBrierNoWorse)})`
        : `P(up) did not beat the base rate (Brier ${signed(v.brierVsBase)}, no worse in ${of(v.blocksBrierNoWorse)}): not a trading signal`,
  };
}

/**
 * Volatility forecast beside realized, the 5–95 % band, P(up) with its calibration, the model version and
 * what validation says (rolling-origin blocks inside the training file: the held-out week is not in the repo).
 * Tells its owner when it is first on screen (`onShow`),
 * which is when the model is loaded.
 */
export function ForecastPanel(props: { info: ModelInfo | null; latest: ForecastResult | null; warmup: Warmup | null; error: string | null; onShow: () => void }) {
  let el!: HTMLElement;
  onMount(() => {
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        props.onShow();
      }
    });
    io.observe(el);
    onCleanup(() => io.disconnect());
  });
  return (
    <section ref={el} class="forecast" aria-label="forecasts" data-testid="forecast-panel" data-version={props.info?.version ?? ''} data-bar-time={props.latest?.barTime ?? ''}>
      <header>
        <span class="sub">1-minute bars · model {props.info?.version ?? 'loading…'}</span>
      </header>
      <Show when={props.error}>{(e) => <p class="reason" role="alert">{e()}</p>}</Show>
      <Show when={!props.latest && props.info}>
        {(info) => (
          <p class="sub" data-testid="forecast-warmup">
            Warming up: {props.warmup?.bars ?? 0} of {props.warmup?.needed ?? info().lowHistory.warmupBars + 1} closed one-minute bars of history; forecasts start after that.
          </p>
        )}
      </Show>
      <Show when={props.latest?.lowHistory && props.info ? props.latest : null}>
        {(r) => (
          <p class="reason" data-testid="forecast-low-history">
            Low history: {r().historyBars} of {props.info!.warmupBars + 1} closed one-minute bars, so these forecasts come from the
            low-history model ({props.info!.lowHistory.warmupBars} bars of lookback). Validation, against EWMA and GARCH with full history:{' '}
            {Object.entries(props.info!.lowHistory.verdicts).map(([h, v]) => `${h} σ QLIKE vs EWMA ${signed(v.qlikeVsEwma)}${v.qlikeVsEwma < 0 ? ' (worse)' : ''}, vs GARCH ${signed(v.qlikeVsGarch)}${v.qlikeVsGarch < 0 ? ' (worse)' : ''}, band held ${pct(v.coverage90, 1)}`).join('; ')}.
            The main model takes over at {props.info!.warmupBars + 1} bars.
          </p>
        )}
      </Show>
      <Show when={props.latest}>
        {(r) => (
          <table class="forecast-table">
            <thead>
              <tr><th>Horizon</th><th>σ forecast</th><th>σ realized (last)</th><th>5% · 50% · 95% price</th><th>P(higher)</th></tr>
            </thead>
            <tbody>
              <For each={r().horizons}>
                {(h) => (
                  <tr data-testid={`forecast-${h.name}`} data-vol={h.vol} data-pup={h.pUp} data-low-history={r().lowHistory ? 'true' : 'false'}>
                    <th>{h.name}</th>
                    <td>{pct(h.vol, 3)}</td>
                    <td>{pct(h.realized, 3)}</td>
                    <td>{fmt(h.band.low)} · {fmt(h.band.mid)} · {fmt(h.band.high)}</td>
                    <td>{pct(h.pUp, 1)}{(r().lowHistory ? props.info?.lowHistory : props.info?.validation)?.verdicts[h.name]?.directionSkill === false ? ' (base rate)' : ''}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        )}
      </Show>
      <Show when={props.info}>
        {(info) => (
          <details class="heldout" open>
            <summary>
              Validation {info().validation.from.slice(0, 10)} → {info().validation.to.slice(0, 10)} (walk-forward, inside the training data; not a
              held-out test): how these forecasts did
            </summary>
            <For each={Object.entries(info().validation.verdicts)}>
              {([h, v]) => {
                const say = honesty(v);
                return (
                  <div class="verdict" data-testid={`verdict-${h}`}>
                    <strong>{h}</strong> σ: {say.vol}. {say.band}. {say.dir}.
                    <div class="calibration" aria-label={`${h} P(up) calibration`}>
                      <For each={(info().validation.calibration[h] ?? []).filter((b) => b.n > 0)}>
                        {(b) => (
                          <span title={`${b.n} forecasts in [${b.bin[0]}, ${b.bin[1]})`}>
                            {pct(b.predicted, 0)}→{pct(b.observed, 0)}
                          </span>
                        )}
                      </For>
                      <span class="sub"> (forecast → observed up share, validation)</span>
                    </div>
                  </div>
                );
              }}
            </For>
          </details>
        )}
      </Show>
      <p class="sub disclaimer">Statistical estimates from past prices. Not financial advice.</p>
    </section>
  );
}
