/**
 * Holds one manager instance's owner lease: taken at start, renewed every third of its
 * duration on the manager's clock (so two renewals may fail before it runs out), released on
 * close. A failed renewal is logged and tried again at the next tick; it never stops the
 * manager.
 */
import type { TimerHandle } from '../../clock/clock.js';
import type { ProviderLeasesV1 } from '../../provider/v1/provider-v1.js';
import type { ResolvedOptions } from '../resolve-options.js';

export class LeaseKeeper {
  private timer: TimerHandle | undefined;
  private closed = false;
  private inFlight: Promise<void> | undefined;
  /** Renewals that failed in a row (reset by a success). */
  failures = 0;

  constructor(
    private readonly leases: ProviderLeasesV1,
    private readonly options: Pick<ResolvedOptions, 'clock' | 'logger' | 'scope' | 'instanceId'>,
    readonly durationMs: number,
  ) {}

  get renewEveryMs(): number {
    return Math.max(1, Math.floor(this.durationMs / 3));
  }

  /** Takes the lease now (a failure is logged, not thrown) and schedules the renewals. */
  async start(): Promise<void> {
    await this.renew();
  }

  private renew(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.timer?.cancel();
    this.timer = this.options.clock.setTimer(this.renewEveryMs, () => void this.renew());
    this.inFlight = this.hold().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async hold(): Promise<void> {
    const { scope, instanceId: owner } = this.options;
    try {
      await this.leases.hold({ scope, owner, durationMs: this.durationMs });
      if (this.failures > 0) {
        this.options.logger.info({ failures: this.failures }, 'owner lease renewed again');
      }
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.options.logger.warn(
        { err: error, failures: this.failures, durationMs: this.durationMs },
        'owner lease renewal failed; trying again at the next renewal',
      );
    }
  }

  /** Stops renewing and releases the lease (a failure is logged: it then runs out by itself). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    await this.inFlight?.catch(() => undefined);
    const { scope, instanceId: owner } = this.options;
    try {
      await this.leases.release({ scope, owner });
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'owner lease release failed; it runs out at the end of its duration',
      );
    }
  }
}
