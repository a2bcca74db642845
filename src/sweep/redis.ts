/**
 * `--queue redis://[user:password@]host[:port][/db][?queue=name]`: where the BullMQ queue lives. The URL is checked
 * by connecting once with a short timeout, so a wrong host or port is one clear line instead of ioredis'
 * endless reconnection.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisOptions as QueueConnection } from 'bullmq';
import { ConfigError } from '../errors.js';

export interface QueueTarget { url: string; queue: string; connection: RedisOptions & QueueConnection }

/** The queue name used when the URL names none. */
export const DEFAULT_QUEUE = 'cortexgpu-trials';

export function parseQueueUrl(url: string): QueueTarget {
  let u: URL;
  try { u = new URL(url); } catch { throw new ConfigError(`--queue ${url}: not a URL (expected redis://host:port[/db][?queue=name])`); }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`--queue ${url}: expected a redis:// or rediss:// URL, got ${u.protocol}`);
  if (!u.hostname) throw new ConfigError(`--queue ${url}: no host`);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new ConfigError(`--queue ${url}: database '${dbText}' is not a number`);
  const extra = [...u.searchParams.keys()].filter((k) => k !== 'queue');
  if (extra.length) throw new ConfigError(`--queue ${url}: unknown parameter(s) ${extra.join(', ')} (only queue=name)`);
  const connection: QueueTarget['connection'] = {
    host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : 6379, db,
    username: u.username ? decodeURIComponent(u.username) : undefined, password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    // BullMQ's blocking commands must wait as long as they need (its documented requirement for workers).
    maxRetriesPerRequest: null,
  };
  return { url, queue: u.searchParams.get('queue') || DEFAULT_QUEUE, connection };
}

/** Connects once (timeout `ms`) and pings; throws ConfigError naming the URL and the reason when it cannot. */
export async function checkReachable(t: QueueTarget, ms = 3000): Promise<void> {
  const r = new Redis({ ...t.connection, lazyConnect: true, connectTimeout: ms, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let last = '';
  r.on('error', (e: Error) => { last = e.message; });
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    const why = last || (e as Error).message;
    throw new ConfigError(`--queue ${t.url}: cannot reach Redis at ${t.connection.host}:${t.connection.port} (${why})`);
  } finally {
    r.disconnect();
  }
}
