import { Gauge, type Registry } from 'prom-client';

/** The events of an ioredis client that say whether Redis is reachable. */
interface RedisEvents {
  on(event: 'ready' | 'end' | 'close', listener: () => void): unknown;
  status?: string;
}

/**
 * Exports `tq_redis_up` (1 while the connection is ready, 0 otherwise) for one Redis client, so an
 * alert can fire on an unreachable Redis before queues back up.
 */
export function trackRedisUp(registry: Registry, redis: RedisEvents): Gauge {
  const gauge = new Gauge({
    name: 'tq_redis_up',
    help: 'Whether the service is connected to Redis (1) or not (0).',
    registers: [registry],
  });
  gauge.set(redis.status === 'ready' ? 1 : 0);
  redis.on('ready', () => gauge.set(1));
  redis.on('close', () => gauge.set(0));
  redis.on('end', () => gauge.set(0));
  return gauge;
}
