import type { ChildService } from './child-service';
import { waitFor, type WaitForOptions } from './wait-for';

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Options of {@link waitForService}. */
export interface WaitForServiceOptions extends WaitForOptions {
  /** The process the condition depends on: its exit fails the wait at once instead of at the deadline. */
  service?: Pick<ChildService, 'name' | 'running' | 'exited'>;
  /** Appended to any failure's message, e.g. the services' recent log lines. */
  context?: () => string;
}

/**
 * {@link waitFor} for tests that run services as processes: fails early when `service` exits before
 * the condition holds, and says what the services logged (`context`) whenever it fails.
 */
export async function waitForService<T>(
  predicate: () => T | Promise<T>,
  { service, context, ...options }: WaitForServiceOptions = {},
): Promise<Truthy<T>> {
  try {
    return await waitFor(async () => {
      const value = await predicate();
      if (!value && service && !service.running)
        throw new Error(`${service.name} exited: ${JSON.stringify(await service.exited)}`);
      return value;
    }, options);
  } catch (error) {
    if (!context) throw error;
    throw new Error(`${(error as Error).message}\n--- service logs ---\n${context()}`, { cause: error });
  }
}
