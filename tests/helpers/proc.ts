/**
 * Another process's resident memory, read from /proc (Linux). Deno reads
 * /proc only with every permission, so `cat` reads it (tests, the soak and
 * the attacks run with --allow-run anyway).
 *
 * @module
 */

/** The resident memory of process `pid` (VmRSS), in bytes. */
export async function residentBytes(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/status`],
    stderr: "null",
  }).output();
  const kb = new TextDecoder().decode(stdout).match(/VmRSS:\s+(\d+) kB/)?.[1];
  return Number(kb ?? 0) * 1024;
}

/** Bytes as MiB, to a tenth. */
export function mib(bytes: number): number {
  return Math.round((10 * bytes) / (1024 * 1024)) / 10;
}
