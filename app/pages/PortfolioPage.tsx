import { createEffect } from 'solid-js';
import { PortfolioPanel } from '../components/PortfolioPanel';
import { createPortfolio } from '../stores/portfolio';
import type { Session } from '../stores/session';
import type { ForecastResult } from '../workers/forecast-view';

/** `#/portfolio`: the panel with its store; the 60-minute forecast (when one exists) adds forecast VaR. */
export function PortfolioPage(props: { session: Session; forecastSymbol?: string; forecast?: ForecastResult | null }) {
  const store = createPortfolio(props.session);
  createEffect(() => {
    const q = props.forecast?.horizons.find((h) => h.minutes === 60)?.quantiles;
    if (q && props.forecastSymbol) store.useForecast(props.forecastSymbol, q);
  });
  return <PortfolioPanel store={store} />;
}
