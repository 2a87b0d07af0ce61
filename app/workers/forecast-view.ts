import type { BandPoint } from '../../shared/ml/band';
import type { Bar } from '../../shared/ml/ohlcv';

export interface HorizonForecast {
  name: string;
  minutes: number;
  /** σ of the log return over the horizon, and the realized σ of the horizon just ended (null: the session has not seen all of it). */
  vol: number;
  realized: number | null;
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
  /** Time spent in session.run (or the TypeScript forward pass), ms. */
  inferenceMs: number;
  /** What computed it: onnxruntime-web, or the TypeScript forward pass while onnxruntime's wasm still compiles. */
  engine: 'onnxruntime' | 'typescript';
  /** True: fewer bars than the main model needs, so this is the low-history model's forecast. */
  lowHistory: boolean;
  /** Closed 1-minute bars the session holds (up to the main model's warm-up and a margin). */
  historyBars: number;
}

/** What rolling-origin validation says about one horizon: means over the blocks, and goals met block by block. */
export interface ValidationVerdict {
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
  blocks: number;
  blocksBeatingEwmaBy10: number;
  blocksNoWorseThanGarch: number;
  blocksBandCalibrated: number;
  blocksBrierNoWorse: number;
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
  /** Rolling-origin validation inside the training file (not a held-out score: that week is withheld from the repo). */
  validation: { from: string; to: string; verdicts: Record<string, ValidationVerdict>; calibration: Record<string, CalibrationBin[]> };
  /** The low-history model: bars it needs, and how it did on the same validation blocks. */
  lowHistory: { warmupBars: number; verdicts: Record<string, ValidationVerdict>; calibration: Record<string, CalibrationBin[]> };
  /** Milliseconds from the worker's creation (its time origin) to load(): fetching and starting its script. */
  bootMs: number;
  /** Milliseconds from load() to forecasts being possible, when each step finished (ms from load()), and where the models came from. */
  loadMs: number;
  phases: Record<string, number>;
  modelBytes: number;
  /** Both models came from the Cache API. */
  fromCache: boolean;
}

/** onnxruntime-web ready: ms from load(), every phase (ms from load()), and its wasm's size and whether it came from the Cache API. */
export interface RuntimeInfo {
  readyMs: number;
  phases: Record<string, number>;
  wasmBytes: number;
  wasmFromCache: boolean;
}

/** Progress before a forecast is possible: a fresh session needs the low-history model's warm-up bars. */
export interface Warmup {
  series: string;
  bars: number;
  needed: number;
}

export interface ForecastApi {
  load(): Promise<ModelInfo>;
  /** Resolves once onnxruntime-web computes every forecast. */
  ready(): Promise<RuntimeInfo>;
  /** Appends closed 1-minute bars (older or repeated times are ignored) and forecasts from the last one. */
  push(series: string, bars: Bar[]): Promise<ForecastResult | Warmup>;
}

/** What forecast-lab.html puts on `window.forecastLab` for the e2e test and the Chromium benchmark. */
export interface ForecastLab {
  /**
   * Pushes `bars[0..history)` at once, then the rest one bar at a time. Returns every forecast; the ms from
   * the worker's start to the first forecast (`coldMs`: worker, card and models included) and from this call
   * (`firstMs`); when onnxruntime-web became ready (awaited after the first forecast, so every later bar is
   * its forecast); and the ms of each later push.
   */
  run(bars: Bar[], history: number): Promise<{ results: ForecastResult[]; coldMs: number; firstMs: number; stepMs: number[]; info: ModelInfo | null; runtime: RuntimeInfo }>;
}
