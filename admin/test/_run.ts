import { adminTests } from "./AdminTests.js";
const only = process.argv[2];
let p = 0, f = 0;
for (const [name, run] of adminTests) {
	if (only && !name.includes(only)) continue;
	const t = Date.now();
	try { await run(); p++; console.log("PASS", name, Date.now() - t, "ms"); }
	catch (e) { f++; console.log("FAIL", name, "\n", (e as Error).stack ?? e); }
}
console.log(`${p} passed, ${f} failed`);
