--[[
  enqueue: adds tasks to a queue, pending or scheduled, honoring idempotency keys and a depth limit.

  KEYS[1] the queue's key base  tq:{q}:  (ADR 0052: the script derives the names it uses from it, spelled
          as in keys.ts, made once per base by queue_names in lib/common.lua): pending:<0..9> LISTs,
          scheduled and retry ZSETs (the depth limit counts them), task:<id> HASHes, idem:<key> STRINGs
          "<fingerprint> <id>" (PX window), registered (STRING "1" while the queue is in tq:queues), meta
          (HASH: events mode), events (STREAM, lib/events.lua), the group keys g:... (lib/groups.lua), and
          the wake channel: '1' when a pending list was empty, 'due:<ms>' when a scheduled task now comes
          first (see wake_for_due))

  ARGV[1] now ms ('' = Redis TIME)
  ARGV[2] max depth: pending + scheduled + retry above which a task is refused (0 = no limit)
  ARGV[3] '1' when the caller has just added the queue to tq:queues: set `registered` and write; '0': write
          only if `registered` is set
  ARGV[4..] per task: id (its length tells the stored format, ADR 0045), type, payload, options, then one
            value per letter of options, in its order. options '' (the usual task) = every other field at
            its default; its letters name the fields that are not:
              p priority (0-9; default 0)          a runAt ms          d delayMs
              m maxAttempts (default 5)            t timeoutMs (default none)
              k idempotency key                    f fingerprint (stored with the key)
              v previous fingerprint (the same submission by an earlier fingerprint version, also a match)
              w idempotency window ms (with k)     c W3C traceparent (stored only when given)
              g group (else the task waits in the queue's own lists; in its group's: lib/groups.lua)
            Fewer arguments per task cut Redis's parsing and Lua's copying of them (issue 18: ~1 k
            instructions an argument; 14 per task were sent before, mostly empty).

  Returns {now, 'unregistered'} and writes nothing when `registered` is missing and ARGV[3] is '0' (the queue
  was removed from tq:queues, or never added): the caller registers it and calls again with '1'.
  Otherwise now (a number, not a table of one) when every task was stored, else {now, result of each task},
  one string per task in order (a table per task cost Redis ~7 k instructions to reply, a string ~0.9 k):
    'created'         the task was stored (its id is the one sent)
    'existing <id>'   the idempotency key was seen with the same fingerprint, or the previous one (the earlier task)
    'conflict <id>'   the idempotency key was seen with another fingerprint (the earlier task)
    'full'            the queue is at its depth limit; nothing was stored
  An id that is already stored is reported 'created' again and left alone, so a client that resends
  the same call after a lost reply (ioredis does on reconnect) creates nothing twice.
]]
-- @include events
-- @include common
-- @include settings
-- @include groups
-- @include enqueue

return enqueue_tasks(KEYS[1], ARGV)
