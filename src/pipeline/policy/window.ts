/**
 * Time windows (`hours: "09:00-17:00"`, `days: [mon, tue]`, `timezone: Europe/Berlin`): a policy with a
 * window applies only inside it. Outside, it is as if the policy did not exist — an allow policy with
 * office hours therefore falls through to the default deny at night.
 *
 * The local time per zone is computed once per wall-clock minute (Intl formatting costs a few µs; the
 * cached path is a Map lookup and a division).
 */
import { DAYS } from "./format.ts";

interface LocalMinute {
  minute: number; // epoch minute it was computed for
  day: number; // 0 = sunday
  minuteOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const clocks = new Map<string, LocalMinute>();
const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export function localMinute(timeZone: string, nowMs: number): LocalMinute {
  const minute = Math.floor(nowMs / 60_000);
  const cached = clocks.get(timeZone);
  if (cached && cached.minute === minute) return cached;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(timeZone, fmt);
  }
  let day = 0;
  let hour = 0;
  let min = 0;
  for (const part of fmt.formatToParts(nowMs)) {
    if (part.type === "weekday") day = WEEKDAY[part.value] ?? 0;
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") min = Number(part.value);
  }
  const local = { minute, day, minuteOfDay: hour * 60 + min };
  clocks.set(timeZone, local);
  return local;
}

export class TimeWindow {
  private readonly start: number;
  private readonly end: number;
  private readonly dayMask: number;

  constructor(
    hours: string | undefined,
    days: readonly (typeof DAYS)[number][] | undefined,
    readonly timeZone = "UTC",
  ) {
    const [from, to] = (hours ?? "00:00-24:00").split("-").map((s) => s.trim());
    this.start = toMinutes(from!);
    this.end = to === "24:00" ? 24 * 60 : toMinutes(to!);
    this.dayMask = days ? days.reduce((m, d) => m | (1 << DAYS.indexOf(d)), 0) : 0x7f;
  }

  /** Inside the window at `nowMs`? `days` is checked against the local day of `nowMs` itself. */
  contains(nowMs: number): boolean {
    const t = localMinute(this.timeZone, nowMs);
    if ((this.dayMask & (1 << t.day)) === 0) return false;
    const m = t.minuteOfDay;
    // An end before the start wraps past midnight ("22:00-06:00").
    return this.start <= this.end ? m >= this.start && m < this.end : m >= this.start || m < this.end;
  }
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(":").map(Number);
  return h! * 60 + m!;
}
