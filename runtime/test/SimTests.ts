/**
 * The CI set of `npm run sim`: a few fixed seeds at every fault level, on our library. Any invariant violation
 * fails the run and prints the example with its events and the command that reproduces it.
 */
import assert from "node:assert/strict";
import { examples, runSimulation, violationCount, type SimOptions, type SimResult } from "../../tools/Sim.js";

type HostTest = [name: string, run: () => Promise<void> | void];

const SEEDS = [1, 2];
const SCENARIO = { impl: "ours", servers: 3, players: 30, hours: 0.5 } as const;

export const simTests: HostTest[] = ([0, 10, 30] as SimOptions["faults"][]).map((faults) => [
	`sim: seeds ${SEEDS.join(", ")} at faults ${faults} keep every data-safety invariant`,
	async () => {
		const results: SimResult[] = [];
		for (const seed of SEEDS) results.push(await runSimulation({ ...SCENARIO, seed, faults }));
		const total = results.reduce((n, r) => n + violationCount(r), 0);
		assert.equal(total, 0, `${total} invariant violations:${examples(results).join("\n")}`);
		for (const result of results) {
			// The scenario must have exercised what the invariants are about.
			assert.ok(result.loads.count > 50, `only ${result.loads.count} loads`);
			assert.ok(result.counts.giftsAcked > 50 && result.counts.hops > 5 && result.counts.rejoins > 5);
			assert.ok(result.counts.crashes + result.counts.shutdowns > 0, "no server ended");
			if (faults > 0) assert.ok(result.faultsInjected > 100, `only ${result.faultsInjected} faults injected`);
		}
	},
]);

simTests.push([
	"sim: a schema change mid-run (seed 2, faults 30) keeps every invariant, 11 included",
	async () => {
		const result = await runSimulation({ ...SCENARIO, seed: 2, faults: 30, schemaChange: true });
		const total = violationCount(result);
		assert.equal(total, 0, `${total} invariant violations:${examples([result]).join("\n")}`);
		// The rollout must have mixed releases: old servers refused new data, and the settle loaded everyone.
		assert.ok(result.schema !== undefined && result.schema.refusals > 0, "no old-release refusal");
		assert.ok(result.schema.migrations > 0 && result.schema.settled > 0, "nothing migrated or settled");
	},
]);
