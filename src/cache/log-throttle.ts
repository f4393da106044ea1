/**
 * Lets one log line per event through per window and counts the ones held back, so an outage that
 * fails every request (a dead Redis) writes a line per second with a count instead of thousands.
 */
export class LogThrottle {
  private readonly windowMs: number;
  private readonly lastWritten = new Map<string, number>();
  private readonly suppressed = new Map<string, number>();

  constructor(windowMs: number) {
    this.windowMs = windowMs;
  }

  /**
   * Whether a line for `event` may be written at `now` (real time); when it may, returns how many
   * lines were held back since the last one, else null.
   */
  admit(event: string, now: number): number | null {
    const last = this.lastWritten.get(event);
    if (last !== undefined && now - last < this.windowMs) {
      this.suppressed.set(event, (this.suppressed.get(event) ?? 0) + 1);
      return null;
    }
    this.lastWritten.set(event, now);
    const heldBack = this.suppressed.get(event) ?? 0;
    this.suppressed.delete(event);
    return heldBack;
  }
}
