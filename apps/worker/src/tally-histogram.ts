import {
  Histogram,
  type HistogramConfiguration,
  type MetricObjectWithValues,
  type MetricValueWithName,
} from 'prom-client';

/**
 * One series of a {@link TallyHistogram}: its counts by bucket, its sum and its count, kept in plain fields.
 * An observation is a few comparisons and additions: prom-client's `labels(...).observe()` validates and
 * hashes the labels and allocates on every call, which cost the worker about a tenth of its CPU per no-op
 * task (issue 18).
 */
export class Tally {
  /** Observations by bucket (not cumulative): counts[i] holds those in (bounds[i-1], bounds[i]]. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  /** Counts `value` (a finite number, like prom-client's observe). */
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${String(value)}`);
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    // Above the last bound: only in +Inf, which is the count.
    if (i < bounds.length) this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** A value of prom-client's exposition: `sharedLabels` are the series' labels (before splaying). */
interface ExportValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * A prom-client Histogram (same registration, name, help, buckets and exposition, registry and cluster
 * aggregation alike) whose series are {@link Tally}s resolved once by their label values: the hot path
 * observes without allocating. A series appears once it has an observation, as with prom-client; `reset`
 * (Registry.resetMetrics) empties every series.
 */
export class TallyHistogram<T extends string> extends Histogram<T> {
  private readonly bounds: readonly number[];
  /** The metric's name (prom-client keeps it untyped). */
  private readonly metricName: string;
  private readonly names: readonly T[];
  private readonly tallies = new Map<string, Tally>();

  constructor(configuration: HistogramConfiguration<T> & { buckets: number[]; labelNames: readonly T[] }) {
    super(configuration);
    this.bounds = [...configuration.buckets];
    this.names = configuration.labelNames;
    this.metricName = configuration.name;
  }

  /** The series with these label values (in labelNames order), made on first use. */
  tally(...values: string[]): Tally {
    const key = values.join('\u0000');
    let tally = this.tallies.get(key);
    if (!tally) {
      if (values.length !== this.names.length)
        throw new Error(`${this.metricName} takes ${this.names.length} label values, got ${values.length}`);
      const labels: Record<string, string> = {};
      this.names.forEach((name, i) => (labels[name] = values[i]!));
      tally = new Tally(this.bounds, labels);
      this.tallies.set(key, tally);
    }
    return tally;
  }

  /**
   * The values before their labels are splayed: the registry renders these as text, and prom-client's
   * `get()` (the JSON, cluster aggregation) splays them.
   */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    const base = Histogram.prototype as unknown as {
      getForPromString(this: Histogram<T>): Promise<MetricObjectWithValues<MetricValueWithName<T>>>;
    };
    const data = await base.getForPromString.call(this);
    data.values.push(...(this.exportValues() as unknown as MetricValueWithName<T>[]));
    return data;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    const tallies = this.tallies as Map<string, Tally> | undefined;
    for (const tally of tallies?.values() ?? []) tally.reset();
  }

  /** The series with observations, as prom-client exports its own: buckets (cumulative), +Inf, sum, count. */
  private exportValues(): ExportValue[] {
    const out: ExportValue[] = [];
    const bucket = `${this.metricName}_bucket`;
    for (const tally of this.tallies.values()) {
      if (tally.count === 0) continue;
      const shared = { ...tally.labels };
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += tally.counts[i]!;
        out.push({
          labels: { le },
          sharedLabels: shared,
          value: cumulative,
          metricName: bucket,
          exemplar: null,
        });
      });
      out.push(
        {
          labels: { le: '+Inf' },
          sharedLabels: shared,
          value: tally.count,
          metricName: bucket,
          exemplar: null,
        },
        {
          labels: {},
          sharedLabels: shared,
          value: tally.sum,
          metricName: `${this.metricName}_sum`,
          exemplar: undefined,
        },
        {
          labels: {},
          sharedLabels: shared,
          value: tally.count,
          metricName: `${this.metricName}_count`,
          exemplar: undefined,
        },
      );
    }
    return out;
  }
}
