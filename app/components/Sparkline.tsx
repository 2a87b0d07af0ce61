/** Closes as a small line, scaled to their own range; colour by direction over the span. Decorative: the row states the numbers. */
export function Sparkline(props: { values: readonly number[]; width?: number; height?: number }) {
  const w = () => props.width ?? 72;
  const h = () => props.height ?? 22;
  const points = () => {
    const v = props.values;
    if (v.length < 2) return '';
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of v) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    const span = hi - lo || 1;
    const step = w() / (v.length - 1);
    let out = '';
    for (let i = 0; i < v.length; i++) out += `${(i * step).toFixed(1)},${(h() - 1 - ((v[i]! - lo) / span) * (h() - 2)).toFixed(1)} `;
    return out;
  };
  const up = () => (props.values.at(-1) ?? 0) >= (props.values[0] ?? 0);
  return (
    <svg class="spark" classList={{ up: up(), down: !up() }} width={w()} height={h()} viewBox={`0 0 ${w()} ${h()}`} aria-hidden="true" data-points={props.values.length}>
      <polyline points={points()} fill="none" stroke="currentColor" stroke-width="1.5" />
    </svg>
  );
}
