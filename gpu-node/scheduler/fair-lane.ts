import type { Job, JobOwner } from './job.ts';

/** An empty lane that remembers more tenants than this forgets every one of them. */
const MAX_REMEMBERED_TENANTS = 1024;

/** A job waiting in a lane, and where it stands in the lane's virtual time. */
interface Entry {
  readonly job: Job;
  /**
   * Virtual time at which the job's service starts: the end of its tenant's earlier work in the
   * lane, or the lane's clock if the tenant had none. The lane serves the smallest start first.
   */
  start: number;
  /** Push order: equal starts go first come, first served. */
  readonly arrival: number;
}

/** What a lane remembers of one tenant. */
interface Tenant {
  /** Virtual time at which the tenant's next job would start: the end of its last job here. */
  end: number;
  /** The tenant's jobs in the lane. */
  waiting: number;
}

/**
 * One priority's jobs, served fairly between tenants (`JobSpec.owner`) by start-time fair
 * queueing over work (megapixel-steps), FIFO within a tenant.
 *
 * Each tenant's jobs form a chain in virtual time: a job starts where the tenant's previous one
 * ends (start + images × `imageWork`), or at the lane's clock if the tenant has nothing here.
 * The lane serves the job with the smallest start (equal starts in push order), and the clock
 * moves to the start of each job that gets its first slot. So a job of a tenant with nothing
 * waiting has at most one job of each other tenant ahead of it, however many they queued (the
 * next round, not the end of their bursts); and over any stretch in which two tenants both have
 * work waiting, the work started for each differs by at most one job of each, whatever the sizes
 * and counts of their images.
 *
 * A job is the unit of service: once its first image has a slot it stays at the head until its
 * last one has one, so a multi-image job is never overtaken by later jobs of its lane. A job
 * that leaves unserved (cancelled, past its deadline) gives its tenant back the work of its
 * images that got no slot, so later jobs of that tenant move up as if it had never been pushed.
 * A tenant's last job still counts against it after it left (also when it got a slot at once),
 * until the clock passes its end: at most one job's work. The order is kept sorted, so
 * {@link FairLane.jobs} is the service order and positions are exact for the jobs queued now.
 */
export class FairLane {
  /** Service order; `[0]` is the head. */
  readonly #order: Entry[] = [];
  readonly #entries = new Map<Job, Entry>();
  readonly #tenants = new Map<JobOwner, Tenant>();
  /** Virtual time: the start of the job that most recently got its first slot. */
  #clock = 0;
  #arrivals = 0;
  /** The head once one of its images has a slot: it stays the head until it leaves. */
  #inService: Entry | null = null;

  /** Jobs waiting. */
  get length(): number {
    return this.#order.length;
  }

  /** The job whose next image gets the next slot, if any. */
  peek(): Job | undefined {
    return this.#order[0]?.job;
  }

  /** Puts a job behind its tenant's earlier jobs, interleaved with other tenants' by their work. */
  push(job: Job): void {
    const tenant = this.#tenants.get(job.spec.owner) ?? { end: this.#clock, waiting: 0 };
    const start = Math.max(this.#clock, tenant.end);
    tenant.end = start + workOf(job);
    tenant.waiting += 1;
    this.#tenants.set(job.spec.owner, tenant);
    const entry: Entry = { job, start, arrival: this.#arrivals++ };
    this.#entries.set(job, entry);
    // The newest arrival goes after every entry that starts no later than it does.
    let low = this.#inService ? 1 : 0;
    let high = this.#order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const probe = this.#order[middle];
      if (probe && probe.start <= start) low = middle + 1;
      else high = middle;
    }
    this.#order.splice(low, 0, entry);
  }

  /** Notes that the head job handed one image to the engine; it leaves once none is left waiting. */
  tookSample(job: Job): void {
    const entry = this.#entries.get(job);
    if (!entry) return;
    if (this.#inService !== entry) {
      this.#inService = entry;
      this.#clock = Math.max(this.#clock, entry.start);
      this.#forgetIdleTenants();
    }
    if (job.queuedSamples === 0) this.#leave(entry);
  }

  /**
   * Removes a job wherever it is; its tenant's later jobs move up by the work of its images that
   * got no slot. Returns false if the job was not here.
   */
  remove(job: Job): boolean {
    const entry = this.#entries.get(job);
    if (!entry) return false;
    const refund = workOf(job);
    const tenant = this.#tenants.get(job.spec.owner);
    let moved = false;
    if (refund > 0 && tenant) {
      tenant.end -= refund;
      for (const later of this.#order) {
        if (later.job.spec.owner !== job.spec.owner || later.arrival <= entry.arrival) continue;
        later.start -= refund;
        moved = true;
      }
    }
    this.#leave(entry);
    if (moved) this.#resort();
    return true;
  }

  /** Images that get a slot before `job`'s first waiting image, or null if `job` is not here. */
  positionOf(job: Job): number | null {
    let ahead = 0;
    for (const entry of this.#order) {
      if (entry.job === job) return ahead;
      ahead += entry.job.queuedSamples;
    }
    return null;
  }

  /** Every waiting job, in service order. */
  *jobs(): Generator<Job> {
    for (const entry of this.#order) yield entry.job;
  }

  #leave(entry: Entry): void {
    const index = this.#order.indexOf(entry);
    if (index >= 0) this.#order.splice(index, 1);
    this.#entries.delete(entry.job);
    if (this.#inService === entry) this.#inService = null;
    const tenant = this.#tenants.get(entry.job.spec.owner);
    if (tenant) tenant.waiting -= 1;
    if (this.#order.length === 0) this.#rebase();
  }

  /**
   * With nothing waiting, moves the clock back to 0 so virtual times stay small. A tenant's
   * charge for work that got slots lately (at most its last job) is kept, unless the lane
   * remembers so many tenants that it forgets them all.
   */
  #rebase(): void {
    const forgetAll = this.#tenants.size > MAX_REMEMBERED_TENANTS;
    for (const [owner, tenant] of this.#tenants) {
      tenant.end -= this.#clock;
      if (forgetAll || tenant.end <= 0) this.#tenants.delete(owner);
    }
    this.#clock = 0;
    this.#arrivals = 0;
  }

  /** Sorts all but a head in service by start, then arrival (a stable pass over nearly sorted entries). */
  #resort(): void {
    const pinned = this.#inService ? 1 : 0;
    const rest = this.#order.splice(pinned).sort((a, b) => a.start - b.start || a.arrival - b.arrival);
    this.#order.push(...rest);
  }

  // A tenant with no job here whose last one ended by the clock would start at the clock anyway.
  #forgetIdleTenants(): void {
    for (const [owner, tenant] of this.#tenants) {
      if (tenant.waiting === 0 && tenant.end <= this.#clock) this.#tenants.delete(owner);
    }
  }
}

/**
 * Work of a job's images that have no slot yet, in pixel-steps (megapixel-steps × 10⁶, a whole
 * number): sums of whole numbers are exact, so equal shares tie exactly and ties go FIFO.
 */
function workOf(job: Job): number {
  return job.queuedSamples * Math.round(job.imageWork * 1e6);
}
