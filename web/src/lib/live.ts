/**
 * Resuming a balance subscription without a gap or a duplicate. Versions count an account's
 * changes 1, 2, 3, ... with no holes; the tracker remembers the last one applied, so a new
 * subscription asks for `afterVersion: last` and anything already applied is dropped.
 */

export type Verdict = "apply" | "duplicate" | "gap";

export class VersionTracker {
  private last: number | null;

  constructor(lastSeen: number | null = null) {
    this.last = lastSeen;
  }

  /** The `afterVersion` to (re)subscribe with; null: from now (nothing seen yet). */
  get resumeFrom(): number | null {
    return this.last;
  }

  /**
   * Decide what to do with a change. "gap" means versions were skipped (should not happen
   * with afterVersion; the caller resubscribes from `resumeFrom` to fill it).
   */
  accept(version: number): Verdict {
    if (this.last !== null && version <= this.last) return "duplicate";
    if (this.last !== null && version !== this.last + 1) return "gap";
    this.last = version;
    return "apply";
  }
}
