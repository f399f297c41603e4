/** Majority arithmetic over a set of voters. */

export function majority(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** True when a majority of `voters` satisfy `has`. */
export function hasQuorum(voters: readonly number[], has: (id: number) => boolean): boolean {
  if (voters.length === 0) return false;
  let n = 0;
  for (const id of voters) if (has(id)) n++;
  return n >= majority(voters.length);
}

/** The largest index that a majority of voters have matched (0 with no voters). */
export function quorumMatch(voters: readonly number[], match: (id: number) => number): number {
  if (voters.length === 0) return 0;
  const m = voters.map(match).sort((a, b) => b - a);
  return m[majority(voters.length) - 1];
}

export type VoteOutcome = "won" | "lost" | "pending";

/** Tallies recorded votes (true = granted); votes from non-voters are ignored. */
export function tally(voters: readonly number[], votes: ReadonlyMap<number, boolean>): VoteOutcome {
  if (voters.length === 0) return "lost";
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const q = majority(voters.length);
  if (granted >= q) return "won";
  if (voters.length - rejected < q) return "lost";
  return "pending";
}
