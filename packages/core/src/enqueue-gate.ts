/** What one enqueue call tells its gate while it runs (see {@link EnqueueGate}). */
export interface GateCall {
  /** A reply answered `unregistered`: the call registers the queue and sends again. */
  unregistered(): void;
}

/**
 * Orders the enqueue script calls of one queue (partition) on its connection (ADR 0053). Redis runs one
 * connection's commands in the order they were sent, so calls sent pipelined are stored in the order they
 * were made, as long as each is stored by its first send. A call to a queue whose `registered` marker is
 * missing (new, or removed while empty) is not: it is answered `unregistered`, registers the queue and
 * sends again, and a call sent meanwhile could be stored before it once another call set the marker (out
 * of a batch's order, and ahead of it under the depth limit). So calls go one after another until a reply
 * shows the marker set, and pipelined from then on. When a call is answered `unregistered` after all (the
 * queue was removed while calls were out), the calls sent behind it are answered so too, since nothing
 * sets the marker between them, and each registers and sends again in turn, in the same order; new calls
 * wait until every one of them is stored. A call that fails (Redis error) closes the gate too: the next
 * call goes alone and its reply opens it again.
 */
export class EnqueueGate {
  /** Whether calls may go out pipelined: the latest settled call was stored by a registered queue. */
  private open = false;
  /** Calls sent whose outcome is not in yet. */
  private out = 0;
  /** Calls that were answered `unregistered` and have not settled yet. */
  private registering = 0;
  /** Calls waiting for their turn, in the order they were made; each sends when called. */
  private readonly held: (() => void)[] = [];

  /**
   * Runs `call` now when the gate is open (or nothing is out), else once the calls before it settled; in
   * either case in the order `run` was called. `call` must send its first command synchronously.
   */
  run<T>(call: (gate: GateCall) => Promise<T>): Promise<T> {
    if (this.held.length === 0 && (this.open || this.out === 0)) return this.start(call);
    return new Promise<T>((resolve, reject) => {
      this.held.push(() => void this.start(call).then(resolve, reject));
    });
  }

  private start<T>(call: (gate: GateCall) => Promise<T>): Promise<T> {
    this.out++;
    let registering = false;
    const gate: GateCall = {
      unregistered: () => {
        if (registering) return;
        registering = true;
        this.registering++;
        this.open = false;
      },
    };
    const settle = (stored: boolean) => {
      this.out--;
      if (registering) this.registering--;
      // Open only when no call is still between its `unregistered` answer and its second send's reply.
      this.open = stored && this.registering === 0;
      this.release();
    };
    // The executor runs now, so the call is sent now; a synchronous throw becomes its rejection.
    const sent = new Promise<T>((resolve) => resolve(call(gate)));
    return sent.then(
      (value) => {
        settle(true);
        return value;
      },
      (error: unknown) => {
        settle(false);
        throw error;
      },
    );
  }

  /** Sends the held calls that may go now, synchronously and in order. */
  private release(): void {
    while (this.held.length > 0 && (this.open || this.out === 0)) this.held.shift()!();
  }
}
