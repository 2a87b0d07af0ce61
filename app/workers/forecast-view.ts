import type { BandPoint } from '../../shared/ml/band';
import type { Bar } from '../../shared/ml/ohlcv';

export interface HorizonForecast {
  name: string;
  minutes: number;
  /** σ of the log return over the horizon, and the realized σ of the horizon just ended, for comparison. */
  vol: number;
  realized: number;
  /** Log-return quantiles 5/50/95 %. */
  quantiles: number[];
  band: BandPoint;
  pUp: number;
}

export interface ForecastResult {
  series: string;
  /** Open time of the last closed 1-minute bar the forecast was made on, and its close. */
  barTime: number;
  close: number;
  horizons: HorizonForecast[];
  /** Time spent in session.run, ms. */
  inferenceMs: number;
}

export interface HeldOutVerdict {
  qlikeVsEwma: number;
  qlikeVsGarch: number;
  coverage90: number;
  brierVsBase: number;
  volBeatsEwmaBy10: boolean;
  volNoWorseThanGarch: boolean;
  bandCalibrated: boolean;
  /** False: validation found no directional skill and P(up) is the training base rate. */
  directionSkill: boolean;
  directionNoWorseThanBaseRate: boolean;
}

export interface CalibrationBin {
  bin: [number, number];
  n: number;
  predicted: number | null;
  observed: number | null;
}

export interface ModelInfo {
  version: string;
  warmupBars: number;
  heldOut: { from: string; to: string; verdicts: Record<string, HeldOutVerdict>; calibration: Record<string, CalibrationBin[]> };
  /** Milliseconds from load() to a ready session, and where the bytes came from. */
  loadMs: number;
  modelBytes: number;
  wasmBytes: number;
  fromCache: boolean;
}

/** Progress before a forecast is possible: a fresh session needs WARMUP one-minute bars of history. */
export interface Warmup {
  series: string;
  bars: number;
  needed: number;
}

export interface ForecastApi {
  load(): Promise<ModelInfo>;
  /** Appends closed 1-minute bars (older or repeated times are ignored) and forecasts from the last one. */
  push(series: string, bars: Bar[]): Promise<ForecastResult | Warmup>;
}

/** What forecast-lab.html puts on `window.forecastLab` for the e2e test and the Chromium benchmark. */
export interface ForecastLab {
  /**
   * Pushes `bars[0..history)` at once, then the rest one bar at a time. Returns every forecast, the ms from the
   * first push to the first forecast (worker start, model and wasm load included) and the ms of each later push.
   */
  run(bars: Bar[], history: number): Promise<{ results: ForecastResult[]; firstMs: number; stepMs: number[]; info: ModelInfo | null }>;
}
