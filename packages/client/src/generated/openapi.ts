// Generated from apps/api/openapi.json by scripts/generate.mjs (pnpm --filter @tq/client generate).
// Do not edit: change the API, rewrite its document, and generate again.

export type paths = {
    "/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Search the task history (PostgreSQL): finished tasks, newest finished first
         * @description Finished tasks (done, dead, canceled) the archivers stored in PostgreSQL, by queue, type, status and finish time (from inclusive, to exclusive), newest finished first. Pass nextCursor as cursor for the next page: pages neither skip nor repeat a task while new ones are archived. A task shows here once archived, normally within a second or two of finishing (tq_archive_lag_seconds). 404 when this API has no DATABASE_URL (no task history); 503 when PostgreSQL does not answer. docs/history.md.
         */
        get: operations["searchTasks"];
        put?: never;
        /**
         * Submit a task
         * @description Stores a task, pending (or scheduled with delayMs / runAt). With an Idempotency-Key header or an idempotencyKey field, a replay of the same submission answers the earlier task with 200.
         */
        post: operations["submitTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Submit up to 1000 tasks
         * @description Each task is stored or refused on its own; results keep the request order. 200 when every task was stored or replayed, 207 when at least one was refused. Idempotency keys go in each task.
         */
        post: operations["submitTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        /**
         * Read a task
         * @description From Redis; when Redis no longer has it (retention deleted it) and a task history is configured (DATABASE_URL), from PostgreSQL. `source` says which. 503 when the store asked does not answer.
         */
        get: operations["getTask"];
        put?: never;
        post?: never;
        /** Cancel a task that is not running */
        delete: operations["cancelTask"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{id}/run": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run a scheduled or retry task now
         * @description The task goes to pending at once instead of waiting for its time; a retry keeps its attempts and error history. 409 in any other state, saying which.
         */
        post: operations["runTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a dead task: back to pending with a fresh set of attempts
         * @description Its error history is kept. 409 when the task is not dead, saying its state.
         */
        post: operations["retryTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a task, running ones included
         * @description A pending, scheduled or retry task is canceled at once (200). A running task gets a cancel request bound to its current lease (202, the task with cancelRequestedAt): its worker sees it at its next lease extension (within a third of the visibility timeout), aborts the handler (its AbortSignal fires) and ends the task canceled: not retried, not dead. Should the handler finish first, the task ends as the handler says. 409 for a finished task. DELETE /tasks/{id} cancels only tasks that are not running (409 for a running one), as before. docs/worker.md#canceling-a-running-task.
         */
        post: operations["cancelAnyTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{id}/record": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete a finished task (done, dead, canceled) for good, in Redis and the task history
         * @description Redis first (a tombstone keeps an archiver that read it from writing it back), then its row in the task history when DATABASE_URL is set; a 503 from PostgreSQL after Redis answered is finished by the same call again. 409 for a task that is not finished: cancel it first. docs/history.md.
         */
        delete: operations["deleteFinishedTask"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        /**
         * Server-sent events of one task: progress, state changes, then the finished task
         * @description A text/event-stream. First a `task` event (the task as GET /tasks/{id} shows it), then `progress` and `state` events, and when the task is done, dead or canceled a last `task` event with its result; then the server closes the stream. Reconnect with Last-Event-ID to resume. Keep-alive comments come every SSE_HEARTBEAT_MS. See docs/client.md for the wire format.
         */
        get: operations["streamTaskEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every queue that has received a task, with its stats */
        get: operations["listQueues"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        /** Counts per state, oldest pending age, paused */
        get: operations["getQueue"];
        /**
         * Create a queue of N partitions (spread over the masters of a Redis Cluster)
         * @description Sets the partition count of a new queue (ADR 0040, docs/scaling.md): 201 when created, 200 when it already has that count, 409 when it has another (a queue that received tasks without a count has 1). Each partition has its own hash tag; producers spread tasks over them (partitionKey, else the idempotency key, else the group, else evenly) and the queue is still read as one.
         */
        put: operations["createQueue"];
        post?: never;
        /**
         * Delete a queue that holds no task
         * @description Removes the queue from tq:queues (GET /queues, the reaper) and deletes its settings, when it holds no task in any of its seven states; 409 names the counts otherwise. A later submission creates it anew.
         */
        delete: operations["deleteQueue"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/events": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        /**
         * Server-sent events of a queue: every state change of its tasks
         * @description A text/event-stream of `state` events (no progress) until the client leaves. Reconnect with Last-Event-ID to resume; a `reset` event says events after it were trimmed from the stream. See docs/client.md for the wire format.
         */
        get: operations["streamQueueEvents"];
        /** Set when task events are written: auto (while someone listens), on, off */
        put: operations["setQueueEvents"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/resize": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change the partition count of a queue
         * @description ADR 0043, docs/scaling.md "Resizing": more partitions are added online; fewer drain (workers keep claiming the removed partitions until they are empty). The same count again removes the drained partitions once empty. Keyed tasks keep the old count for 30 s, and an idempotency key is never stored twice because the count changed. 409 while the previous resize settles (30 s) or when another resize won.
         */
        post: operations["resizeQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop workers from claiming tasks of the queue (submissions still succeed) */
        post: operations["pauseQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Let workers claim tasks of the queue again */
        post: operations["resumeQueue"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        /**
         * A page of the tasks in one state
         * @description Pending tasks in claim order (priority 9 first, oldest first); scheduled, retry and running due first; dead, done and canceled newest first. Pass nextCursor as cursor for the next page. A page examines at most 5000 entries, so with a type filter it may hold fewer than limit tasks (even none) and still have a nextCursor. Pending tasks with a fair group wait in their group's lists: state=pending lists those without a group (inGroups counts the others), state=pending&group=g those of group g (GET /queues/{name}/groups names the groups). What a page guarantees while tasks move: docs/api.md.
         */
        get: operations["listTasks"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/dead": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        /** A page of dead tasks, newest first (the same as GET /queues/{name}/tasks?state=dead) */
        get: operations["listDeadTasks"];
        put?: never;
        post?: never;
        /** Delete dead tasks for good: the given ids, or all */
        delete: operations["purgeDeadTasks"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/dead/requeue": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The redrive: dead tasks back to pending with fresh attempts, the given ids or all */
        post: operations["requeueDeadTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/limits": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        /** The queue's rate, concurrency and group concurrency limits (null: none) */
        get: operations["getQueueLimits"];
        /**
         * Replace the queue's limits (a limit left out or null is removed; {} removes them all)
         * @description rate: at most max task starts in any window of periodMs on the Redis clock (a sliding window, not fixed windows); concurrency: at most this many tasks running at once across all workers; groupConcurrency: the same for each fair group. Enforced inside the claim script, whatever the number of workers; idle workers are woken. docs/scheduling.md, ADR 0028.
         */
        put: operations["setQueueLimits"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues/{name}/groups": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        /**
         * The fair groups with the most pending tasks (top N by backlog), with their running tasks
         * @description Read at one instant in O(log groups + limit), whatever the number of groups. total counts the groups with pending tasks, running the groups with running tasks. Groups are never a metric label.
         */
        get: operations["listGroups"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page of the cron schedules, by id */
        get: operations["listSchedules"];
        put?: never;
        /**
         * Create a cron schedule: one task per slot of a cron expression in a time zone
         * @description Any reaper fires a due slot; each slot becomes exactly one task (ADR 0025). The first slot is the first after now. cron has 5 fields, or 6 with seconds first; timezone is an IANA name (default UTC). docs/scheduling.md.
         */
        post: operations["createSchedule"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/schedules/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        /** A schedule, with its next runs */
        get: operations["getSchedule"];
        put?: never;
        post?: never;
        /** Delete a schedule (the tasks it enqueued stay) */
        delete: operations["deleteSchedule"];
        options?: never;
        head?: never;
        /**
         * Pause or resume a schedule, or change its cron, time zone, policies or task
         * @description paused: true pauses; paused: false resumes from now on (the slots of the pause do not run). A new cron or time zone applies from now; the task template and the policies from the next slot. The queue cannot change.
         */
        patch: operations["updateSchedule"];
        trace?: never;
    };
    "/queues/{name}/tasks/actions": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * One action (run, retry, cancel, delete) on many tasks: by ids, or one page of a state
         * @description By ids: up to 1000 task ids of this queue. By state: the next page of the tasks in that state (as GET /queues/{name}/tasks lists them, optionally of one type), at most limit (default 100, at most 1000); send nextCursor back as cursor to go on, until it is null. Each task is checked by the action's script: those in another state are listed in refused with their state. The states per action: run scheduled, retry; retry dead; cancel pending, scheduled, retry, running; delete done, dead, canceled.
         */
        post: operations["actOnTasks"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/workers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The live workers, from their heartbeats
         * @description Workers write a heartbeat every HEARTBEAT_INTERVAL_MS (5 s by default) that lives three intervals: a worker that stops (killed, or cut off from Redis) disappears within that time; one that stops gracefully disappears at once. Sorted by host, then id.
         */
        get: operations["listWorkers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/stats/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Processed and failed attempts per minute, for one queue or all
         * @description Counted in Redis by the scripts that end attempts (complete, fail, and the reaper for expired leases) and kept 24 h, so this works without Prometheus. processed counts every attempt that ended (completed or failed); failed the failed ones (retried, dead, lease expired). The last point is the current minute, still counting.
         */
        get: operations["getHistory"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process serves HTTP (Redis is not asked) */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: Redis answers PING within REDIS_COMMAND_TIMEOUT_MS */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics (text exposition format) */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ui/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The web dashboard: its static files (docs/dashboard.md)
         * @description Public files with no data in them (index.html for an empty path); every API call the page makes carries the bearer token the operator enters. Served from DASHBOARD_DIR; 404 when it holds no build. GET /ui (no slash) redirects to ui/.
         */
        get: operations["dashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["openApi"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
};
export type webhooks = Record<string, never>;
export type components = {
    schemas: {
        QueueCreate: {
            /** @description Partitions of the queue (1 = a plain queue): each has its own hash tag, so one queue spreads over the masters of a Redis Cluster (docs/scaling.md). Set once; another count later is a conflict. */
            partitions: number;
        };
        /** @description A task. At most 100 levels of nesting in the whole body; give delayMs or runAt, not both. */
        TaskSubmission: {
            type: string;
            payload?: unknown;
            queue?: string;
            priority?: number;
            delayMs?: number;
            runAt?: string | number;
            maxAttempts?: number;
            timeoutMs?: number;
            idempotencyKey?: string;
            /** @description Remember the idempotency key this long (ms) instead of the API's IDEMPOTENCY_TTL_MS, if shorter. */
            idempotencyTtlMs?: number;
            /** @description The fair group (a tenant, a customer): claims take the groups with ready tasks in turn (docs/scheduling.md). */
            group?: string;
            /** @description Partitioned queues: tasks with the same key go to the same partition, so their order holds (docs/scaling.md). Ignored by a queue of one partition. */
            partitionKey?: string;
            traceparent?: string;
        };
        BatchSubmission: {
            tasks: components["schemas"]["TaskSubmission"][];
        };
        Task: {
            /** @example default.01JD3Z5Q6M8W2K4N7P9R1T3V5X */
            id: string;
            queue: string;
            type: string;
            /** @description The JSON payload as submitted. */
            payload: unknown;
            /** @enum {string} */
            status: "pending" | "scheduled" | "running" | "retry" | "dead" | "done" | "canceled";
            priority: number;
            /** @description Attempts started so far. */
            attempt: number;
            maxAttempts: number;
            timeoutMs?: number | null;
            /** Format: date-time */
            createdAt: string;
            runAt?: string | null;
            startedAt?: string | null;
            finishedAt?: string | null;
            /** @description The handler result (JSON), or null. */
            result?: unknown;
            lastError?: string | null;
            errors?: {
                attempt?: number;
                /** Format: date-time */
                at?: string;
                error?: string;
            }[];
            deadReason?: string | null;
            idempotencyKey?: string | null;
            /** @description The last progress a handler reported: a number 0-100 or a JSON object (at most 1024 bytes); null when none. */
            progress?: unknown;
            traceparent?: string | null;
            cancelRequestedAt?: string | null;
            /** @description The fair group the task waits in (docs/scheduling.md); null when none. */
            group?: string | null;
            /** @description The cron schedule that enqueued the task, and the slot it stands for; null when none. */
            schedule?: {
                id: string;
                /** Format: date-time */
                slot: string;
                /** @description For a run-once catch-up, the missed slots it stands for; 0 otherwise. */
                missed: number;
            } | null;
            /** @description The partition of a partitioned queue that holds the task (its id names it: <queue>.<partition>.<local id>); 0 otherwise. */
            partition: number;
            workerId?: string | null;
            /**
             * @description Where the task was read: redis (live), or archive (the task history in PostgreSQL, after Redis retention deleted it).
             * @enum {string}
             */
            source?: "redis" | "archive";
        };
        DeletedTask: {
            id: string;
            /** @description Whether Redis held it (and deleted it now). */
            redis: boolean;
            /** @description Whether the task history held a row (deleted now). */
            archive: boolean;
        };
        /** @description Give ids, or state (with optional type, group, limit, cursor): not both. */
        TaskAction: {
            /** @enum {string} */
            action: "run" | "retry" | "cancel" | "delete";
            ids?: string[];
            /** @enum {string} */
            state?: "pending" | "scheduled" | "running" | "retry" | "dead" | "done" | "canceled";
            type?: string;
            limit?: number;
            cursor?: string;
            group?: string;
        };
        TaskActionOutcome: {
            queue: string;
            /** @enum {string} */
            action: "run" | "retry" | "cancel" | "delete";
            state: ("pending" | "scheduled" | "running" | "retry" | "dead" | "done" | "canceled") | null;
            /** @description The tasks changed. */
            applied: string[];
            /** @description Running tasks whose cancel was requested: each ends canceled at its next lease extension. */
            cancelRequested: string[];
            refused: {
                id: string;
                status: ("pending" | "scheduled" | "running" | "retry" | "dead" | "done" | "canceled") | null;
                /** @description The task's state and what to do instead. */
                reason: string;
            }[];
            nextCursor: string | null;
        };
        BatchResult: {
            created: number;
            replayed: number;
            failed: number;
            results: ({
                index: number;
                /** @enum {unknown} */
                status: 200 | 201;
                task: components["schemas"]["Task"];
            } | (components["schemas"]["Problem"] & {
                index: number;
            }))[];
        };
        Queue: {
            name: string;
            paused: boolean;
            counts: {
                pending?: number;
                scheduled?: number;
                running?: number;
                retry?: number;
                dead?: number;
                done?: number;
                canceled?: number;
            };
            /** @description pending + scheduled + retry: what QUEUE_MAX_DEPTH limits. */
            waiting: number;
            oldestPendingAgeMs: number | null;
            /** @description Running tasks past their lease, not yet recovered. */
            expiredLeases: number;
            /**
             * @description When task events are written: auto (while an event stream is open), on, off.
             * @enum {string}
             */
            events: "auto" | "on" | "off";
            /** @description Partitions of the queue (PUT /queues/{name}; docs/scaling.md); 1 for a plain queue. Counts the draining ones until they are removed. */
            partitions: number;
            /** @description Partitions draining after a shrink (POST /queues/{name}/resize): workers serve them until they hold no task, then the reaper removes them; empty when none. */
            draining: number[];
        };
        /** @description A task as a list shows it: GET /tasks/{id} has its payload, result and error history. */
        TaskSummary: {
            id: string;
            queue: string;
            type: string;
            /** @enum {string} */
            status: "pending" | "scheduled" | "running" | "retry" | "dead" | "done" | "canceled";
            priority: number;
            attempt: number;
            maxAttempts: number;
            /** Format: date-time */
            createdAt: string;
            runAt: string | null;
            startedAt: string | null;
            finishedAt: string | null;
            /** @description Cut at 500 bytes. */
            lastError: string | null;
            deadReason: string | null;
            /** @description Running tasks: when the lease expires unless the worker extends it. */
            leaseExpiresAt: string | null;
        };
        TaskPage: {
            queue: string;
            /** @enum {string} */
            state: "pending" | "scheduled" | "running" | "retry" | "dead" | "done" | "canceled";
            /** @description The type filter, or null. */
            type: string | null;
            /** @description State pending: the fair group listed, or null (the tasks without a group). */
            group: string | null;
            /** @description State pending without group: pending tasks that wait in fair groups and are not listed here (list them with group); otherwise 0. */
            inGroups: number;
            /** @description Tasks in the state now (state pending: in the lists walked, of group or of no group). */
            total: number;
            /** @description Entries examined; more than the tasks listed when the type filter skipped some. */
            scanned: number;
            /** @description Pass it as cursor for the next page; null when the walk reached the end. */
            nextCursor: string | null;
            tasks: components["schemas"]["TaskSummary"][];
        };
        HistoryPage: {
            /** @description Pass it as cursor for the next page; null on the last page. */
            nextCursor: string | null;
            tasks: components["schemas"]["TaskSummary"][];
        };
        Worker: {
            /** @description Unique per worker process: <host>-<pid>-<random>. */
            id: string;
            host: string;
            pid: number;
            queues: string[];
            /** @description Slots: tasks it runs at once at most. */
            concurrency: number;
            /** @description Slots busy at its last heartbeat. */
            busySlots: number;
            /** @description The version of @tq/worker it runs. */
            version: string;
            /** Format: date-time */
            startedAt: string;
            /**
             * Format: date-time
             * @description Its last heartbeat (Redis time).
             */
            lastBeatAt: string;
            /**
             * Format: date-time
             * @description When it leaves the list unless it beats again.
             */
            expiresAt: string;
            /** @description Tasks it runs now, at most 100 (busySlots says how many). */
            runningTaskIds: string[];
        };
        History: {
            /** @description The queue, or null for every queue. */
            queue: string | null;
            minutes: number;
            /**
             * Format: date-time
             * @description Start of the first minute.
             */
            from: string;
            /**
             * Format: date-time
             * @description Redis time of the read.
             */
            now: string;
            totals: {
                processed: number;
                failed: number;
            };
            points: {
                /**
                 * Format: date-time
                 * @description Start of the minute.
                 */
                at: string;
                /** @description Attempts that ended (completed or failed). */
                processed: number;
                /** @description Attempts that failed. */
                failed: number;
            }[];
        };
        /** @description Every limit the queue has: a limit left out or null is removed. */
        QueueLimitsBody: {
            rate?: {
                max: number;
                periodMs: number;
            } | null;
            concurrency?: number | null;
            groupConcurrency?: number | null;
        };
        QueueLimits: {
            queue: string;
            rate: {
                max: number;
                periodMs: number;
            } | null;
            concurrency: number | null;
            groupConcurrency: number | null;
        };
        GroupList: {
            queue: string;
            /** @description Groups with pending tasks. */
            total: number;
            /** @description Groups with running tasks. */
            running: number;
            groups: {
                group: string;
                pending: number;
                running: number;
            }[];
        };
        /** @description A schedule. Defaults: timezone UTC, misfire skip, misfireGraceMs 60000, overlap allow, paused false; the task takes priority 0 and maxAttempts 5 like a submission. */
        ScheduleSubmission: {
            id: string;
            cron: string;
            timezone?: string;
            task: {
                queue: string;
                type: string;
                payload?: unknown;
                priority?: number;
                maxAttempts?: number;
                timeoutMs?: number;
            };
            /** @enum {string} */
            misfire?: "skip" | "run-once";
            misfireGraceMs?: number;
            /** @enum {string} */
            overlap?: "allow" | "skip";
            paused?: boolean;
        };
        /** @description At least one field; the task template, when given, replaces the whole template. */
        ScheduleChange: {
            paused?: boolean;
            cron?: string;
            timezone?: string;
            /** @enum {string} */
            misfire?: "skip" | "run-once";
            misfireGraceMs?: number;
            /** @enum {string} */
            overlap?: "allow" | "skip";
            task?: {
                type: string;
                payload?: unknown;
                priority?: number;
                maxAttempts?: number;
                timeoutMs?: number;
            };
        };
        Schedule: {
            id: string;
            queue: string;
            cron: string;
            timezone: string;
            task: {
                queue: string;
                type: string;
                /** @description The JSON payload each task gets. */
                payload: unknown;
                priority: number;
                maxAttempts: number;
                timeoutMs: number | null;
            };
            /** @enum {string} */
            misfire: "skip" | "run-once";
            misfireGraceMs: number;
            /** @enum {string} */
            overlap: "allow" | "skip";
            paused: boolean;
            /** @description Counts changes and firings. */
            revision: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** @description The next slot; null while paused. */
            nextRunAt: string | null;
            last: {
                taskId: string;
                slot: string | null;
                firedAt: string | null;
            } | null;
            counts: {
                /** @description Tasks enqueued. */
                fired: number;
                /** @description Slots skipped while the previous task was unfinished (overlap skip). */
                skippedOverlap: number;
                /** @description Missed slots skipped (misfire skip). */
                skippedMisfire: number;
                /** @description Missed slots folded into run-once tasks. */
                missedRunOnce: number;
            };
        };
        ScheduleDetail: components["schemas"]["Schedule"] & {
            /** @description The next slots from nextRunAt on; empty while paused. */
            nextRuns: string[];
        };
        SchedulePage: {
            /** @description Schedules of the listing (the queue, or all). */
            total: number;
            /** @description Pass it as cursor for the next page; null on the last page. */
            nextCursor: string | null;
            schedules: components["schemas"]["Schedule"][];
        };
        /** @description Omit the body (or ids) to act on every dead task of the queue. */
        DeadIds: {
            ids?: string[];
        };
        Status: {
            status: string;
        };
        /** @description RFC 9457 problem details. */
        Problem: {
            /**
             * Format: uri
             * @example urn:tq:problem:invalid-request
             */
            type: string;
            title: string;
            status: number;
            detail: string;
            instance?: string;
            errors?: {
                /** @description A dotted path; "" for the whole body. */
                field: string;
                message: string;
            }[];
        };
    };
    responses: {
        /** @description Malformed JSON, or an invalid field (errors names each field and what is allowed). */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Tokens are configured and the bearer token is missing or wrong. */
        Unauthorized: {
            headers: {
                "WWW-Authenticate"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The route needs an admin token; this is a producer token. */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such task or queue. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The idempotency key was used for a different submission, or the task is running or finished. */
        Conflict: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The payload is over MAX_PAYLOAD_BYTES, or the body over MAX_PAYLOAD_BYTES + 65536 bytes. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The body is not application/json (UTF-8, not content-encoded). */
        UnsupportedMediaType: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Events are off for the queue (PUT /queues/{name}/events turns them on): poll GET /tasks/{id} instead. */
        EventsOff: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The queue is over QUEUE_MAX_DEPTH waiting tasks: back off. */
        QueueFull: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A producer token (forbidden), the queue is not in QUEUE_NAMES_ALLOWED (queue-not-allowed), tq already holds SCHEDULE_MAX_COUNT schedules (schedule-limit-reached), or the queue is new and tq holds QUEUE_MAX_COUNT queues (queue-limit-reached). */
        ScheduleRefused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The queue is not in QUEUE_NAMES_ALLOWED (queue-not-allowed), or it is new and tq already holds QUEUE_MAX_COUNT queues (queue-limit-reached). */
        QueueRefused: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No task history: this API has no DATABASE_URL (docs/history.md). Finished tasks still in Redis are listed by GET /queues/{name}/tasks. */
        HistoryOff: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description PostgreSQL (the task history) did not answer or refused the query; nothing changed, retry. */
        HistoryUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Redis did not answer within REDIS_COMMAND_TIMEOUT_MS, or cannot take writes; the outcome is unknown, retry. */
        Unavailable: {
            headers: {
                /** @description Seconds to wait before retrying. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
        TaskId: string;
        ScheduleId: string;
        QueueName: string;
        /** @description Instead of the idempotencyKey field (if both are sent they must be equal). */
        IdempotencyKey: string;
        /** @description W3C Trace Context: the task carries it, and the worker starts its process span as a child. Ignored when not valid; the traceparent field of the body wins over it. */
        Traceparent: string;
        /** @description Resume after this event id, as sent in `id:` lines: `<ms>-<seq>`, or on the stream of a partitioned queue every partition's position joined by `_` (ADR 0042). */
        LastEventId: string;
        State: "pending" | "scheduled" | "running" | "retry" | "dead" | "done" | "canceled";
        /** @description Most tasks in the page. */
        Limit: number;
        /** @description The nextCursor of the previous page, as it is; omit for the first page. A partitioned queue's cursor holds one position per partition, so it grows with the partition count (ADR 0042). */
        Cursor: string;
        /** @description Only tasks of this type. */
        Type: string;
        /** @description With state=pending: the pending tasks of this fair group (they wait in the group's own lists). */
        Group: string;
        /** @description Only tasks of this queue. */
        HistoryQueue: string;
        /** @description Only tasks that finished in this state. */
        HistoryStatus: "done" | "dead" | "canceled";
        /** @description Only tasks that finished at or after this time: ISO 8601 or epoch milliseconds. */
        From: string;
        /** @description Only tasks that finished before this time: ISO 8601 or epoch milliseconds. */
        To: string;
        /** @description The nextCursor of the previous page, as it is; omit for the first page. */
        HistoryCursor: string;
        /** @description Most tasks in the page. */
        HistoryLimit: number;
        /** @description Task ids, repeated or comma-separated, instead of the body. */
        Ids: string[];
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
};
export type $defs = Record<string, never>;
export interface operations {
    searchTasks: {
        parameters: {
            query?: {
                /** @description Only tasks of this queue. */
                queue?: components["parameters"]["HistoryQueue"];
                /** @description Only tasks of this type. */
                type?: components["parameters"]["Type"];
                /** @description Only tasks that finished in this state. */
                status?: components["parameters"]["HistoryStatus"];
                /** @description Only tasks that finished at or after this time: ISO 8601 or epoch milliseconds. */
                from?: components["parameters"]["From"];
                /** @description Only tasks that finished before this time: ISO 8601 or epoch milliseconds. */
                to?: components["parameters"]["To"];
                /** @description The nextCursor of the previous page, as it is; omit for the first page. */
                cursor?: components["parameters"]["HistoryCursor"];
                /** @description Most tasks in the page. */
                limit?: components["parameters"]["HistoryLimit"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["HistoryPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["HistoryOff"];
            503: components["responses"]["HistoryUnavailable"];
        };
    };
    submitTask: {
        parameters: {
            query?: never;
            header?: {
                /** @description Instead of the idempotencyKey field (if both are sent they must be equal). */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
                /** @description W3C Trace Context: the task carries it, and the worker starts its process span as a child. Ignored when not valid; the traceparent field of the body wins over it. */
                traceparent?: components["parameters"]["Traceparent"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaskSubmission"];
            };
        };
        responses: {
            /** @description An idempotent replay: the task stored earlier under this key. */
            200: {
                headers: {
                    /** @description The task: /tasks/{id}. */
                    Location?: string;
                    "Idempotent-Replayed"?: "true";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description Stored. */
            201: {
                headers: {
                    /** @description The task: /tasks/{id}. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["QueueRefused"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["QueueFull"];
            503: components["responses"]["Unavailable"];
        };
    };
    submitTasks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["BatchSubmission"];
            };
        };
        responses: {
            /** @description Every task stored (201) or replayed (200). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResult"];
                };
            };
            /** @description At least one task refused; see each result. */
            207: {
                headers: {
                    /** @description Seconds to wait before retrying. */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["BatchResult"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    getTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    cancelTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Canceled; the task with status "canceled". */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            503: components["responses"]["Unavailable"];
        };
    };
    runTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task, now pending. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            503: components["responses"]["Unavailable"];
        };
    };
    retryTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task, now pending. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            503: components["responses"]["Unavailable"];
        };
    };
    cancelAnyTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Canceled; the task with status "canceled". */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            /** @description Running: the cancel is requested; the task with cancelRequestedAt. */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Task"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            503: components["responses"]["Unavailable"];
        };
    };
    deleteFinishedTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted; where it was. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeletedTask"];
                };
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            503: components["responses"]["Unavailable"];
        };
    };
    streamTaskEvents: {
        parameters: {
            query?: never;
            header?: {
                /** @description Resume after this event id, as sent in `id:` lines: `<ms>-<seq>`, or on the stream of a partitioned queue every partition's position joined by `_` (ADR 0042). */
                "Last-Event-ID"?: components["parameters"]["LastEventId"];
            };
            path: {
                /** @description A task id: "<queue>.<local id>" (20 base62 characters; a 26-character ULID before ADR 0045). */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["EventsOff"];
            503: components["responses"]["Unavailable"];
        };
    };
    listQueues: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queues, by name. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        queues: components["schemas"]["Queue"][];
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    getQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The queue. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Queue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    createQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["QueueCreate"];
            };
        };
        responses: {
            /** @description The queue already had this partition count. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Queue"];
                };
            };
            /** @description The queue was created. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Queue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["QueueRefused"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    deleteQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            503: components["responses"]["Unavailable"];
        };
    };
    streamQueueEvents: {
        parameters: {
            query?: never;
            header?: {
                /** @description Resume after this event id, as sent in `id:` lines: `<ms>-<seq>`, or on the stream of a partitioned queue every partition's position joined by `_` (ADR 0042). */
                "Last-Event-ID"?: components["parameters"]["LastEventId"];
            };
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event stream. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["EventsOff"];
            503: components["responses"]["Unavailable"];
        };
    };
    setQueueEvents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @enum {string} */
                    mode: "auto" | "on" | "off";
                };
            };
        };
        responses: {
            /** @description The queue, with its events mode. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Queue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    resizeQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["QueueCreate"];
            };
        };
        responses: {
            /** @description Resized (or drained partitions removed). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Queue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    pauseQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Paused. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Queue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    resumeQueue: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Resumed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Queue"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    listTasks: {
        parameters: {
            query: {
                state: components["parameters"]["State"];
                /** @description Most tasks in the page. */
                limit?: components["parameters"]["Limit"];
                /** @description The nextCursor of the previous page, as it is; omit for the first page. A partitioned queue's cursor holds one position per partition, so it grows with the partition count (ADR 0042). */
                cursor?: components["parameters"]["Cursor"];
                /** @description Only tasks of this type. */
                type?: components["parameters"]["Type"];
                /** @description With state=pending: the pending tasks of this fair group (they wait in the group's own lists). */
                group?: components["parameters"]["Group"];
            };
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    listDeadTasks: {
        parameters: {
            query?: {
                /** @description Most tasks in the page. */
                limit?: components["parameters"]["Limit"];
                /** @description The nextCursor of the previous page, as it is; omit for the first page. A partitioned queue's cursor holds one position per partition, so it grows with the partition count (ADR 0042). */
                cursor?: components["parameters"]["Cursor"];
                /** @description Only tasks of this type. */
                type?: components["parameters"]["Type"];
            };
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    purgeDeadTasks: {
        parameters: {
            query?: {
                /** @description Task ids, repeated or comma-separated, instead of the body. */
                ids?: components["parameters"]["Ids"];
            };
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["DeadIds"];
            };
        };
        responses: {
            /** @description How many dead tasks were deleted. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        purged: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    requeueDeadTasks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["DeadIds"];
            };
        };
        responses: {
            /** @description What was requeued. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        requeued: string[];
                        /** @description Given ids that were not dead. */
                        notDead: string[];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    getQueueLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The limits. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueLimits"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    setQueueLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["QueueLimitsBody"];
            };
        };
        responses: {
            /** @description The limits now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueLimits"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    listGroups: {
        parameters: {
            query?: {
                /** @description Most groups in the answer. */
                limit?: number;
            };
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The groups, most pending first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["GroupList"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    listSchedules: {
        parameters: {
            query?: {
                /** @description Only the schedules of this queue. */
                queue?: string;
                /** @description Most schedules in the page. */
                limit?: number;
                /** @description The nextCursor of the previous page; omit for the first page. */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The page. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SchedulePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    createSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleSubmission"];
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    /** @description The schedule: /schedules/{id}. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduleDetail"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["ScheduleRefused"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    getSchedule: {
        parameters: {
            query?: {
                /** @description How many next runs to list. */
                runs?: number;
            };
            header?: never;
            path: {
                id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The schedule. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduleDetail"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    deleteSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    updateSchedule: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: components["parameters"]["ScheduleId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ScheduleChange"];
            };
        };
        responses: {
            /** @description The schedule now. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ScheduleDetail"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    actOnTasks: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                name: components["parameters"]["QueueName"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TaskAction"];
            };
        };
        responses: {
            /** @description What the action did. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TaskActionOutcome"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            503: components["responses"]["Unavailable"];
        };
    };
    listWorkers: {
        parameters: {
            query?: {
                /** @description Only the workers that claim from this queue. */
                queue?: string;
                /** @description Most workers in the answer. */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The workers. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Live workers, of every queue. */
                        total: number;
                        workers: components["schemas"]["Worker"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            503: components["responses"]["Unavailable"];
        };
    };
    getHistory: {
        parameters: {
            query?: {
                /** @description One queue; without it, the sum over every queue. */
                queue?: string;
                /** @description How many minutes, the current one included. */
                minutes?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One point per minute, oldest first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["History"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            503: components["responses"]["Unavailable"];
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Status"];
                };
            };
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Status"];
                };
            };
            503: components["responses"]["Unavailable"];
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    dashboard: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description A file of the bundle, e.g. assets/index-C6PJ4qbH.js; may contain slashes; empty for index.html. */
                path: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The file (text/html, text/javascript, text/css or application/json). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description For /ui: Location ui/ (relative, so a proxy prefix is kept). */
            301: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            404: components["responses"]["NotFound"];
        };
    };
    openApi: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
            401: components["responses"]["Unauthorized"];
        };
    };
}
