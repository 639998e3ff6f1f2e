import type { CheckResult } from './checker';
import type { InvariantReport } from './invariants';
import { writeScenarioResult, type ScenarioResult } from './report';

/**
 * TQ_CHAOS picks the scenarios: `all`, `ci` (the short subset, reduced sizes), or a comma-separated list
 * of scenario ids or their numbers (`01,07`; full sizes). Unset: every scenario is skipped, saying so.
 */
export const SELECTION = (process.env.TQ_CHAOS ?? '').trim();
/** The short CI subset runs reduced sizes. */
export const CI = SELECTION === 'ci';

/** `ci` in the CI subset, `full` otherwise. */
export function size<T>(ci: T, full: T): T {
  return CI ? ci : full;
}

/** What a scenario file declares about itself. */
export interface ScenarioMeta {
  /** `NN-kebab-name`, also the results file name. */
  id: string;
  title: string;
  guarantees: string[];
  /** Part of TQ_CHAOS=ci. */
  ci: boolean;
  /** Whether DESIGN §2 promises lost = 0 here. */
  noLossPromised: boolean;
  /**
   * What the scenario needs from this machine, checked when the file is collected (only if selected):
   * undefined when it can run, else why not. A scenario that cannot run shows as skipped in jest's
   * summary and in the report, never as passed.
   */
  unavailable?: () => string | undefined;
}

function selected(meta: ScenarioMeta): boolean {
  if (SELECTION === 'all') return true;
  if (SELECTION === 'ci') return meta.ci;
  const number = meta.id.slice(0, 2);
  return SELECTION.split(',')
    .map((s) => s.trim())
    .some((s) => s !== '' && (s === meta.id || s === number || s.padStart(2, '0') === number));
}

/**
 * Collects one scenario's measurements and writes results/<id>.json (and the combined report) when it
 * ends, passed or not.
 */
export class Scenario {
  readonly result: ScenarioResult;
  private started = Date.now();

  constructor(readonly meta: ScenarioMeta) {
    this.result = {
      id: meta.id,
      title: meta.title,
      guarantees: meta.guarantees,
      passed: false,
      startedAt: new Date().toISOString(),
      wallMs: 0,
      noLossPromised: meta.noLossPromised,
      measured: {},
      notes: [],
    };
  }

  /** Records a measurement (shown in the report in insertion order). */
  measure(key: string, value: unknown): void {
    this.result.measured[key] = value;
  }

  note(text: string): void {
    this.result.notes.push(text);
    process.stdout.write(`[${this.meta.id}] ${text}\n`);
  }

  /** Records the checker's and the invariant scan's verdicts (the last call wins). */
  judged(check: CheckResult, invariants?: InvariantReport): void {
    this.result.check = {
      attempted: check.attempted,
      acknowledged: check.acknowledged,
      performed: check.performed,
      deadLettered: check.deadLettered,
      lost: check.lost.length,
      unexpected: check.unexpected.length,
      duplicated: check.duplicated.length,
      recovered: check.recovered.length,
      lostValues: check.lost.slice(0, 20),
      valid: check.valid,
    };
    if (invariants)
      this.result.invariants = {
        tasks: invariants.tasks,
        violations: invariants.violations.length,
        byState: invariants.byState,
        sample: invariants.violations.slice(0, 10),
      };
  }

  /** Records that the scenario cannot run here, and why (printed too: a skip is never silent). */
  recordSkip(reason: string): void {
    this.note(`SKIPPED: ${reason}`);
    this.result.skipped = reason;
    this.result.passed = true;
    this.finish();
  }

  /** Runs the scenario body, recording a failure's message; rethrows it for jest. */
  async run(body: () => Promise<void>): Promise<void> {
    this.started = Date.now();
    this.result.startedAt = new Date(this.started).toISOString();
    try {
      await body();
      this.result.passed = true;
    } catch (error) {
      this.result.error = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      this.finish();
    }
  }

  private finish(): void {
    this.result.wallMs = Date.now() - this.started;
    writeScenarioResult(this.result);
  }
}

/**
 * `describe` for a scenario file, or a loud skip (jest counts its test as skipped) when TQ_CHAOS does not
 * select it or the machine lacks what it needs (`meta.unavailable`). `body` gets the Scenario that
 * collects the file's summary.
 */
export function scenario(meta: ScenarioMeta, body: (s: Scenario) => void): void {
  if (!selected(meta)) {
    const why =
      SELECTION === ''
        ? 'TQ_CHAOS is not set (use TQ_CHAOS=ci, all, or a list of scenario ids)'
        : `not in TQ_CHAOS=${SELECTION}`;
    skipped(meta, why);
    return;
  }
  const missing = meta.unavailable?.();
  if (missing !== undefined) {
    new Scenario(meta).recordSkip(missing);
    skipped(meta, missing);
    return;
  }
  describe(`${meta.id} ${meta.title}`, () => body(new Scenario(meta)));
}

function skipped(meta: ScenarioMeta, why: string): void {
  describe(`${meta.id} ${meta.title}`, () => {
    it.skip(`skipped: ${why}`, () => undefined);
  });
}
