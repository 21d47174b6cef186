import { describe, expect, test } from "bun:test";
import { RequestCancellation } from "./cancellation.ts";

describe("RequestCancellation (a request's lazily made AbortController)", () => {
  test("not cancelled: aborted is false and no reason", () => {
    const c = new RequestCancellation();
    expect([c.aborted, c.reason]).toEqual([false, undefined]);
    expect(c.signal.aborted).toBe(false);
  });

  test("cancelled before anyone listened: aborted, its reason kept, and a signal taken later is already aborted", () => {
    const c = new RequestCancellation();
    const reason = new Error("client cancelled");
    c.abort(reason);
    expect([c.aborted, c.reason]).toEqual([true, reason]);
    expect(c.signal.aborted).toBe(true);
    expect(c.signal.reason).toBe(reason);
  });

  test("a listener added before the cancel runs once; a removed one does not run", () => {
    const c = new RequestCancellation();
    const heard: string[] = [];
    const kept = () => heard.push("kept");
    const removed = () => heard.push("removed");
    c.addEventListener("abort", kept, { once: true });
    c.addEventListener("abort", removed);
    c.removeEventListener("abort", removed);
    c.abort("stop");
    c.abort("again");
    expect(heard).toEqual(["kept"]);
    expect(c.reason).toBe("stop");
  });

  test("the signal is one AbortSignal for the request, usable with AbortSignal.any", () => {
    const c = new RequestCancellation();
    expect(c.signal).toBe(c.signal);
    const combined = AbortSignal.any([c.signal]);
    c.abort("stop");
    expect(combined.aborted).toBe(true);
  });
});
