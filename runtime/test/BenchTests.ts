/**
 * `npm run bench -- --quick` as a CI smoke test: every scenario runs for every library (ours, the original and the
 * peers) and yields numbers, or n/a where a peer cannot do what is measured. Nothing about timing is asserted (these
 * machines are noisy); the goals are read from full runs.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { LIBRARIES, latencySvg, markdownTable, runBench } from "../../tools/Bench.js";

type HostTest = [name: string, run: () => Promise<void> | void];

export const benchTests: HostTest[] = [
	[
		"bench --quick: every scenario runs for every library and reports a number for each (n/a only for peers)",
		async () => {
			const report = await runBench(resolve("test.project.json"), true);
			const measures = report.rows.map((row) => row.measure);
			for (const expected of [
				"real ms per save",
				"steady",
				"heap per loaded profile",
				"100 players join",
				"UpdateAsync budget left",
				"graceful shutdown",
				"live hand-off p50",
				"crashed-holder takeover p50",
				"every MessagingService message lost p50",
				"B got the holder's last change",
				"per profile-hour held",
				"a trade through TransactAsync",
				"a trade as two plain Save()",
				"100 players trading",
			]) {
				assert.ok(
					measures.some((m) => m.includes(expected) || (expected === "steady" && m.startsWith("real s per"))),
					`no row for ${expected}: ${measures.join("; ")}`,
				);
			}
			for (const row of report.rows) {
				// Ours and the original can do everything measured; a peer may not (n/a: no value). Transactions are
				// ours alone: the rows that measure them have no value for the others.
				const oursAlone = row.measure.includes("TransactAsync") || row.measure.startsWith("… transaction");
				if (!row.measure.includes("gave up")) {
					assert.equal(row.values.ours.length, 1, row.measure);
					assert.equal(row.values.original.length, oursAlone ? 0 : 1, row.measure);
				}
				for (const kind of LIBRARIES) {
					assert.ok(row.values[kind].length <= 1, `${row.measure}: ${kind}`);
					for (const value of row.values[kind]) assert.ok(Number.isFinite(value), `${row.measure}: ${kind}`);
				}
			}
			// ProfileStore hands a profile off and ships with every scenario; Lapis keeps a live holder's lock.
			const handOff = report.rows.find((row) => row.measure.startsWith("live hand-off p50"))!;
			assert.equal(handOff.values.profilestore.length, 1);
			assert.equal(handOff.values.lapis.length, 0);
			assert.ok(markdownTable(report).split("\n").length === report.rows.length + 2);
			assert.ok(latencySvg(report).includes("<circle"));
		},
	],
];
