/**
 * One idempotency key per submission. A double click, or a retry of the same submission after
 * a lost response, sends the same key, so the ledger moves the money once; changed values are
 * a new submission with a new key (reusing a key for other values is IDEMPOTENCY_CONFLICT).
 */

export function newKey(): string {
  return crypto.randomUUID();
}

export class SubmissionKeys {
  private current: { fingerprint: string; key: string } | null = null;

  constructor(private readonly mint: () => string = newKey) {}

  /** The key for a submission of `values`: the pending one when the values are unchanged. */
  keyFor(values: Record<string, string>): string {
    const fingerprint = JSON.stringify(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)));
    if (this.current?.fingerprint !== fingerprint) {
      this.current = { fingerprint, key: this.mint() };
    }
    return this.current.key;
  }

  /** The submission got a definite answer (done, or refused with nothing written). */
  settle(): void {
    this.current = null;
  }
}
