import { describe, expect, it } from "vitest";
import { VersionTracker } from "./live";

describe("VersionTracker", () => {
  it("subscribes from now until a version is seen, then resumes after the last one", () => {
    const tracker = new VersionTracker();
    expect(tracker.resumeFrom).toBeNull();
    expect(tracker.accept(41)).toBe("apply");
    expect(tracker.accept(42)).toBe("apply");
    expect(tracker.resumeFrom).toBe(42);
  });

  it("drops a replayed version after a reconnect: no duplicate", () => {
    const tracker = new VersionTracker(42);
    expect(tracker.accept(41)).toBe("duplicate");
    expect(tracker.accept(42)).toBe("duplicate");
    expect(tracker.accept(43)).toBe("apply");
    expect(tracker.resumeFrom).toBe(43);
  });

  it("reports a gap and keeps the resume point before it: no missed change", () => {
    const tracker = new VersionTracker(42);
    expect(tracker.accept(44)).toBe("gap");
    expect(tracker.resumeFrom).toBe(42);
    expect(tracker.accept(43)).toBe("apply");
    expect(tracker.accept(44)).toBe("apply");
  });

  it("replays a whole drop in order exactly once", () => {
    const tracker = new VersionTracker(10);
    const applied: number[] = [];
    // live 11, drop, server replays 11..13 after afterVersion: 11 (a live 12 raced the replay)
    for (const version of [11, 12, 12, 13, 11]) if (tracker.accept(version) === "apply") applied.push(version);
    expect(applied).toEqual([11, 12, 13]);
  });
});
