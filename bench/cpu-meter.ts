import { cpuMillisecondsOf, machineBusyMilliseconds } from "./measured-process.ts";

/** A process whose CPU time is read by pid. */
export type MeteredProcess = { name: string; pid: number };

/** CPU spent over one measured interval, in milliseconds. */
export type CpuReading = {
  elapsedMs: number;
  /** The servers under test, summed. */
  serversMs: number;
  byProcess: Record<string, number>;
  /** RabbitMQ (beam.smp) and Redis, reported apart: shared with anything else using them. */
  infrastructureMs: Record<string, number>;
  /** The load client (this process). */
  clientMs: number;
  /** Every core of the machine, everything that ran (shows interference from other work). */
  machineBusyMs: number;
};

/** Reads CPU time of the servers, the broker and Redis, the client and the machine before and after. */
export class CpuMeter {
  private startedAt = 0;
  private servers: Map<string, number> = new Map();
  private infrastructure: Map<string, number> = new Map();
  private client = 0;
  private machine = 0;

  constructor(
    private readonly serverProcesses: MeteredProcess[],
    private readonly infrastructureProcesses: MeteredProcess[],
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.servers = this.read(this.serverProcesses);
    this.infrastructure = this.read(this.infrastructureProcesses);
    this.client = process.cpuUsage().user + process.cpuUsage().system;
    this.machine = machineBusyMilliseconds();
  }

  stop(): CpuReading {
    const servers = this.read(this.serverProcesses);
    const infrastructure = this.read(this.infrastructureProcesses);
    const usage = process.cpuUsage();
    const byProcess: Record<string, number> = {};
    for (const [name, value] of servers) byProcess[name] = value - (this.servers.get(name) ?? 0);
    const infrastructureMs: Record<string, number> = {};
    for (const [name, value] of infrastructure)
      infrastructureMs[name] = value - (this.infrastructure.get(name) ?? 0);
    return {
      elapsedMs: Math.round(performance.now() - this.startedAt),
      serversMs: Object.values(byProcess).reduce((sum, value) => sum + value, 0),
      byProcess,
      infrastructureMs,
      clientMs: Math.round((usage.user + usage.system - this.client) / 1000),
      machineBusyMs: machineBusyMilliseconds() - this.machine,
    };
  }

  private read(processes: MeteredProcess[]): Map<string, number> {
    const readings = new Map<string, number>();
    for (const { name, pid } of processes)
      readings.set(name, (readings.get(name) ?? 0) + cpuMillisecondsOf(pid));
    return readings;
  }
}
