/**
 * Specs of profileservice-admin, run by the repository's `npm test` with the runtime's host tests: each one a world
 * of the offline runtime whose game servers (examples/SupportEdits.ts) hold players' profiles, the Open Cloud
 * stand-in in front of its DataStore, and the command run in-process.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onlinePlayer, STORE, withFixture, type Fixture } from "./AdminFixture.js";
import { REPO_ROOT } from "./WorldSession.js";

type HostTest = [name: string, run: () => Promise<void> | void];

const KEY = "Player_1001";

/** A player who played, saved a few times and left: a released profile with several revisions. */
async function offlinePlayer(fixture: Fixture, coins: number[]) {
	const { world } = fixture;
	await onlinePlayer(world, 1001);
	for (const amount of coins) {
		await world.command("giveCoins", { server: "Game", userId: 1001, amount });
		await world.advance(31);
	}
	await world.command("leave", { server: "Game", userId: 1001 });
	await world.advance(10);
}

const liveData = (fixture: Fixture) =>
	fixture.world.command<{ Data: { Coins: number; Items: string[] }; MetaTags: Record<string, unknown> }>("live", {
		server: "Game",
		userId: 1001,
	});

function writeFile(fixture: Fixture, name: string, text: string): string {
	const path = join(fixture.dir, name);
	writeFileSync(path, text);
	return path;
}

export const adminTests: HostTest[] = [
	[
		"admin view: a held profile's Data, lock in words (holder, last write, heartbeat unknown), size and UserIds",
		() =>
			withFixture(async (fixture) => {
				await onlinePlayer(fixture.world, 1001);
				await fixture.world.command("giveCoins", { server: "Game", userId: 1001, amount: 25 });
				await fixture.world.advance(31);
				const result = await fixture.run(["view", STORE, KEY]);
				assert.equal(result.code, 0, result.stderr);
				assert.match(result.stdout, /held by job [0-9a-f-]+ \(place 1818, session 1\)/);
				assert.match(result.stdout, /last written by its holder \d+ s ago; dead by the 30-minute rule from/);
				assert.match(
					result.stdout,
					/heartbeat: unknown .*ProfileService_Heartbeat, which Open Cloud cannot read/,
				);
				assert.match(result.stdout, /UserIds: 1001/);
				assert.match(result.stdout, /"Coins": 25/);
				assert.match(result.stdout, /Size: \d+ B of the 4 MB limit/);
				const json = (await fixture.run(["view", STORE, KEY, "--json"])).json!;
				assert.equal((json.lock as { state: string }).state, "held");
				assert.deepEqual(json.data, { Coins: 25, Items: [] });
				const missing = await fixture.run(["view", STORE, "Player_9"]);
				assert.equal(missing.code, 4);
				assert.match(missing.stderr, /There is no "Player_9" in data store "PlayerData"/);
				await fixture.world.command("dsWrite", { store: STORE, key: "Settings", json: '{"Motd":"hi"}' });
				const other = await fixture.run(["view", STORE, "Settings"]);
				assert.equal(other.code, 0, other.stderr);
				assert.match(
					other.stdout,
					/is not a ProfileService profile: .*\n.*It holds:\n {2}\{\n {4}"Motd": "hi"/,
				);
			}),
	],
	[
		"admin versions and diff: revisions newest first with sizes and holders, view --version, and a readable Data diff",
		() =>
			withFixture(async (fixture) => {
				await offlinePlayer(fixture, [10, 20]);
				const listed = await fixture.run(["versions", STORE, KEY, "--json"]);
				assert.equal(listed.code, 0, listed.stderr);
				const revisions = listed.json!.revisions as Array<{ revisionId: string; size: number; holder: string }>;
				assert.ok(revisions.length >= 3, JSON.stringify(revisions));
				assert.equal(revisions[0].holder, "released");
				assert.match(revisions[1].holder, /^held by job /);
				assert.ok(revisions.every((revision) => revision.size > 0));
				const oldest = revisions[revisions.length - 1].revisionId;
				const table = await fixture.run(["versions", STORE, KEY]);
				assert.match(table.stdout, /revision +saved +size +lock/);
				const old = await fixture.run(["view", STORE, KEY, "--version", oldest, "--json"]);
				assert.deepEqual(old.json!.data, { Coins: 0, Items: [] });
				const diff = await fixture.run(["diff", STORE, KEY, oldest]);
				assert.equal(diff.code, 0, diff.stderr);
				assert.match(diff.stdout, /~ Coins: 0 → 30/);
				const none = await fixture.run(["diff", STORE, KEY, "latest", "latest"]);
				assert.match(none.stdout, /\(no change to Data\)/);
			}),
	],
	[
		"admin rollback of a released profile: a conditional write of the old Data; a concurrent save that changes nothing shown is retried, one that changes Data wins",
		() =>
			withFixture(async (fixture) => {
				await offlinePlayer(fixture, [10, 20]);
				const revisions = (await fixture.run(["versions", STORE, KEY, "--json", "--no-sizes"])).json!
					.revisions as Array<{ revisionId: string }>;
				const target = revisions[revisions.length - 1].revisionId;
				// Another server sends a gift between the tool's read and its write: Data is unchanged, so the
				// tool writes again, and the gift stays.
				let gifted = false;
				fixture.standIn.beforeHandling = async ({ method }) => {
					if (method !== "PATCH" || gifted) return;
					gifted = true;
					const stored = (await fixture.stored(KEY))!.value;
					stored.GlobalUpdates = [1, [[1, 1, false, { Type: "Gift", Item: "Hat" }]]];
					await fixture.world.command("dsWrite", {
						store: STORE,
						key: KEY,
						json: JSON.stringify(stored),
						userIds: [1001],
					});
				};
				const rolled = await fixture.run(["rollback", STORE, KEY, "--version", target, "--yes"]);
				assert.equal(rolled.code, 0, rolled.stderr);
				assert.match(rolled.stdout, /~ Coins: 30 → 0/);
				assert.match(rolled.stderr, /changed meanwhile .* writing again/);
				const after = (await fixture.stored(KEY))!.value;
				assert.equal(after.Data.Coins, 0);
				assert.equal(after.MetaData.ActiveSession, undefined);
				assert.deepEqual(after.GlobalUpdates[1][0][3], { Type: "Gift", Item: "Hat" });
				// Now a game server loads the profile between the read and the write: the tool refuses.
				fixture.standIn.beforeHandling = async ({ method }) => {
					if (method !== "PATCH") return;
					fixture.standIn.beforeHandling = undefined;
					await onlinePlayer(fixture.world, 1001);
					await fixture.world.command("giveCoins", { server: "Game", userId: 1001, amount: 5 });
					await fixture.world.advance(31);
				};
				const refused = await fixture.run([
					"rollback",
					STORE,
					KEY,
					"--version",
					revisions[0].revisionId,
					"--yes",
				]);
				assert.equal(refused.code, 5, refused.stderr);
				assert.match(
					refused.stderr,
					/A game server saved .* after it was read \(a server holds it now\)\. Nothing was written/,
				);
				assert.equal((await fixture.stored(KEY))!.value.Data.Coins, 0);
				assert.equal((await liveData(fixture)).Data.Coins, 5);
			}),
	],
	[
		"admin edit of a released profile: a JSON Patch is written conditionally; a failing test, --dry-run and a declined prompt write nothing",
		() =>
			withFixture(async (fixture) => {
				await offlinePlayer(fixture, [10]);
				const before = (await fixture.stored(KEY))!.version;
				const patch = writeFile(
					fixture,
					"refund.json",
					'[{"op":"test","path":"/Coins","value":10},{"op":"replace","path":"/Coins","value":110},{"op":"add","path":"/Items/-","value":"Refund"}]',
				);
				const dry = await fixture.run(["edit", STORE, KEY, "--patch", patch, "--dry-run"]);
				assert.equal(dry.code, 0, dry.stderr);
				assert.match(dry.stdout, /~ Coins: 10 → 110\n {2}\+ Items\[0\]: "Refund"/);
				assert.match(dry.stdout, /Dry run: nothing was written/);
				const declined = await fixture.run(["edit", STORE, KEY, "--patch", patch], { answers: ["n"] });
				assert.equal(declined.code, 7);
				const noTerminal = await fixture.run(["edit", STORE, KEY, "--patch", patch]);
				assert.equal(noTerminal.code, 7);
				assert.match(noTerminal.stderr, /pass --yes to confirm/);
				assert.equal((await fixture.stored(KEY))!.version, before);
				const done = await fixture.run(["edit", STORE, KEY, "--patch", patch], { answers: ["y"] });
				assert.equal(done.code, 0, done.stderr);
				assert.deepEqual((await fixture.stored(KEY))!.value.Data, { Coins: 110, Items: ["Refund"] });
				const stale = await fixture.run(["edit", STORE, KEY, "--patch", patch, "--yes"]);
				assert.equal(stale.code, 5);
				assert.match(stale.stderr, /"test" failed at "\/Coins": the value is 110, the edit expected 10/);
			}),
	],
	[
		"admin edit of a held profile: sent as a global update, applied once by the holder with what the player did meanwhile kept",
		() =>
			withFixture(async (fixture) => {
				await onlinePlayer(fixture.world, 1001);
				await fixture.world.command("giveCoins", { server: "Game", userId: 1001, amount: 10 });
				await fixture.world.advance(31);
				// The player keeps playing after the tool read the profile.
				let played = false;
				fixture.standIn.beforeHandling = async ({ method }) => {
					if (method !== "PATCH" || played) return;
					played = true;
					await fixture.world.command("giveCoins", { server: "Game", userId: 1001, amount: 7 });
				};
				const edited = await fixture.run(
					["edit", STORE, KEY, "--patch", "-", "--yes", "--reason", "ticket 4411"],
					{
						stdin: '[{"op":"add","path":"/Items/-","value":"Sword"}]',
					},
				);
				assert.equal(edited.code, 0, edited.stderr);
				assert.match(edited.stdout, /sends the change as a global update/);
				assert.match(edited.stdout, /Applied by the game \(job [0-9a-f-]+\)/);
				const live = await liveData(fixture);
				assert.deepEqual(live.Data, { Coins: 17, Items: ["Sword"] });
				const receipts = live.MetaTags.ProfileServiceAdmin as Array<{ Result: string; Reason: string }>;
				assert.equal(receipts.length, 1);
				assert.equal(receipts[0].Reason, "ticket 4411");
				// Saves and a rejoin later, it was applied once, and nothing is left pending.
				await fixture.world.advance(120);
				await fixture.world.command("leave", { server: "Game", userId: 1001 });
				await fixture.world.advance(10);
				await onlinePlayer(fixture.world, 1001);
				assert.deepEqual((await liveData(fixture)).Data, { Coins: 17, Items: ["Sword"] });
				assert.deepEqual((await fixture.stored(KEY))!.value.GlobalUpdates[1], []);
			}),
	],
	[
		"admin edit of a held profile by a script: each change is guarded, so the holder refuses it when the player changed that value since",
		() =>
			withFixture(async (fixture) => {
				await onlinePlayer(fixture.world, 1001);
				await fixture.world.command("giveCoins", { server: "Game", userId: 1001, amount: 10 });
				await fixture.world.advance(31);
				fixture.standIn.beforeHandling = async ({ method }) => {
					if (method !== "PATCH") return;
					fixture.standIn.beforeHandling = undefined;
					await fixture.world.command("giveCoins", { server: "Game", userId: 1001, amount: 7 });
				};
				const script = writeFile(fixture, "double.mjs", "export default (data) => { data.Coins *= 2; };\n");
				const edited = await fixture.run(["edit", STORE, KEY, "--script", script, "--yes"]);
				assert.equal(edited.code, 5, edited.stdout + edited.stderr);
				assert.match(
					edited.stderr,
					/The game refused the edit, and changed nothing: "test" failed at "\/Coins": the live value is 17, the edit expected 10/,
				);
				assert.deepEqual((await liveData(fixture)).Data.Coins, 17);
			}),
	],
	[
		"admin edit of a held profile whose player leaves first: the tool applies the still-active update in the write that removes it",
		() =>
			withFixture(async (fixture) => {
				await onlinePlayer(fixture.world, 1001);
				let sent = false;
				fixture.standIn.beforeHandling = async ({ method }) => {
					if (method === "PATCH") sent = true;
					else if (method === "GET" && sent) {
						fixture.standIn.beforeHandling = undefined;
						await fixture.world.command("leave", { server: "Game", userId: 1001 });
						await fixture.world.advance(10);
					}
				};
				const edited = await fixture.run(["edit", STORE, KEY, "--patch", "-", "--yes"], {
					stdin: '[{"op":"replace","path":"/Coins","value":50}]',
				});
				assert.equal(edited.code, 0, edited.stderr);
				assert.match(edited.stdout, /The player left before the game applied it: applied by the tool/);
				const stored = (await fixture.stored(KEY))!.value;
				assert.equal(stored.Data.Coins, 50);
				assert.deepEqual(stored.GlobalUpdates[1], []);
				assert.equal(
					(stored.MetaData.MetaTags!.ProfileServiceAdmin as Array<{ Result: string }>)[0].Result,
					"applied",
				);
			}),
	],
	[
		"admin edit of a held profile times out as pending (exit 6) when the game never applies it",
		() =>
			withFixture(async (fixture) => {
				await onlinePlayer(fixture.world, 1001);
				await fixture.world.command("crash", { server: "Game" });
				// The crashed server's lock is still fresh: the edit is queued for a holder that will not come back.
				const edited = await fixture.run(["edit", STORE, KEY, "--patch", "-", "--yes", "--timeout", "60"], {
					stdin: '[{"op":"replace","path":"/Coins","value":50}]',
				});
				assert.equal(edited.code, 6, edited.stderr);
				assert.match(edited.stderr, /is pending: not applied within 60 s; it stays queued/);
				const view = await fixture.run(["view", STORE, KEY]);
				assert.match(view.stdout, /active #1 \(version 1\) ProfileServiceAdminEdit/);
			}),
	],
	[
		"admin unlock: refused on a live lock (with when it becomes dead), accepted on a dead one by the 30-minute rule",
		() =>
			withFixture(async (fixture) => {
				await onlinePlayer(fixture.world, 1001);
				const refused = await fixture.run(["unlock", STORE, KEY, "--yes"]);
				assert.equal(refused.code, 5);
				assert.match(
					refused.stderr,
					/Not unlocked: the lock .* may be live .* It becomes dead at 2026-01-01T00:\d\d:\d\dZ/,
				);
				assert.match(refused.stderr, /heartbeat cannot be read over Open Cloud/);
				await fixture.world.command("crash", { server: "Game" });
				await fixture.world.advance(31 * 60);
				const forced = await fixture.run(["edit", STORE, KEY, "--patch", "-", "--yes"], {
					stdin: '[{"op":"replace","path":"/Coins","value":1}]',
				});
				assert.equal(forced.code, 5);
				assert.match(
					forced.stderr,
					/The lock .* is dead: its holder last wrote it 31 min ago .* Run again with --force/,
				);
				const unlocked = await fixture.run(["unlock", STORE, KEY, "--yes", "--json"]);
				assert.equal(unlocked.code, 0, unlocked.stderr);
				assert.equal(unlocked.json!.rule, "thirty-minutes");
				assert.equal((await fixture.stored(KEY))!.value.MetaData.ActiveSession, undefined);
				const again = await fixture.run(["unlock", STORE, KEY]);
				assert.equal(again.code, 0);
				assert.match(again.stdout, /Not locked: nothing to do/);
			}),
	],
	[
		"admin erase: refused while held; on a released profile deletes the entry (typed confirmation) and reports the revisions Roblox keeps",
		() =>
			withFixture(async (fixture) => {
				await onlinePlayer(fixture.world, 1001);
				const held = await fixture.run(["erase", STORE, KEY, "--yes"]);
				assert.equal(held.code, 5);
				assert.match(held.stderr, /Not erased: a server holds the profile/);
				await fixture.world.command("leave", { server: "Game", userId: 1001 });
				await fixture.world.advance(10);
				const wrong = await fixture.run(["erase", STORE, KEY], { answers: ["yes"] });
				assert.equal(wrong.code, 7);
				assert.match(wrong.stderr, /Type Player_1001 to confirm/);
				const erased = await fixture.run(["erase", STORE, KEY], { answers: [KEY] });
				assert.equal(erased.code, 0, erased.stderr);
				assert.match(erased.stdout, /Erased\./);
				assert.match(erased.stdout, /1 tombstone and \d+ earlier revisions with the profile's content/);
				assert.match(erased.stdout, /DataStore:RemoveVersionAsync/);
				assert.equal(await fixture.stored(KEY), undefined);
				const gone = await fixture.run(["view", STORE, KEY]);
				assert.equal(gone.code, 4);
			}),
	],
	[
		"admin errors: a missing scope is named, a bad key says so, 429 and 5xx are retried with backoff, and bad JSON and a network failure are explained",
		() =>
			withFixture(async (fixture) => {
				await offlinePlayer(fixture, []);
				const scope = await fixture.run(["unlock", STORE, KEY, "--yes"], { key: "read-only-key" });
				assert.equal(scope.code, 0);
				const patch = '[{"op":"replace","path":"/Coins","value":3}]';
				const denied = await fixture.run(["edit", STORE, KEY, "--patch", "-", "--yes"], {
					key: "read-only-key",
					stdin: patch,
				});
				assert.equal(denied.code, 3);
				assert.match(
					denied.stderr,
					/may not write .* \(403 PERMISSION_DENIED: .*\)\. Add the permission "universe-datastores\.objects:update" for universe 4242/,
				);
				const badKey = await fixture.run(["view", STORE, KEY], { key: "stolen" });
				assert.equal(badKey.code, 3);
				assert.match(
					badKey.stderr,
					/Open Cloud refused the API key in OPEN_CLOUD_API_KEY \(401 Invalid API Key\)/,
				);
				fixture.standIn.fail({ status: 429, retryAfter: 2, times: 2 });
				const throttled = await fixture.run(["view", STORE, KEY]);
				assert.equal(throttled.code, 0, throttled.stderr);
				assert.match(throttled.stderr, /429 Too Many Requests .* trying again in 2 s \(attempt 2 of 6\)/);
				fixture.standIn.fail({ status: 429, times: 6 });
				const exhausted = await fixture.run(["view", STORE, KEY, "--json"]);
				assert.equal(exhausted.code, 1);
				assert.equal((exhausted.json!.error as { code: string }).code, "RESOURCE_EXHAUSTED");
				assert.match(exhausted.stderr, /trying again in 16 s \(attempt 6 of 6\)/);
				fixture.standIn.fail({ status: 503, times: 1 });
				assert.equal((await fixture.run(["view", STORE, KEY])).code, 0);
				fixture.standIn.fail({ status: 500, times: 6, method: "PATCH" });
				const failing = await fixture.run(["edit", STORE, KEY, "--patch", "-", "--yes"], { stdin: patch });
				assert.equal(failing.code, 1);
				assert.match(
					failing.stderr,
					/Open Cloud answered 500 INTERNAL: Injected by the stand-in, 6 tries\. .*may still have landed/,
				);
				fixture.standIn.fail({ status: 200, body: "<html>proxy error</html>" });
				const garbled = await fixture.run(["view", STORE, KEY]);
				assert.equal(garbled.code, 1);
				assert.match(garbled.stderr, /text that is not JSON: <html>proxy error/);
				const badPatch = await fixture.run(["edit", STORE, KEY, "--patch", "-", "--yes"], {
					stdin: "[{op: replace}]",
				});
				assert.equal(badPatch.code, 2);
				assert.match(badPatch.stderr, /--patch - is not valid JSON/);
				const nullPatch = await fixture.run(["edit", STORE, KEY, "--patch", "-"], {
					stdin: '[{"op":"add","path":"/X","value":null}]',
				});
				assert.match(nullPatch.stderr, /null value; a DataStore value cannot hold null/);
				fixture.standIn.fail({ hangUp: true, times: 6 });
				const network = await fixture.run(["view", STORE, KEY]);
				assert.equal(network.code, 1);
				assert.match(network.stderr, /network failure: could not reach 127\.0\.0\.1:\d+ .*6 tries/);
			}),
	],
	[
		"admin command line: help, usage errors (unknown flag, missing argument, no universe, no key) exit 2 before anything is sent",
		() =>
			withFixture(async (fixture) => {
				const help = await fixture.run(["--help"]);
				assert.equal(help.code, 0);
				assert.match(help.stdout, /Commands:\n {2}view/);
				const editHelp = await fixture.run(["edit", "--help"]);
				assert.match(editHelp.stdout, /--patch <file\|->/);
				const unknown = await fixture.run(["view", STORE, KEY, "--colour"]);
				assert.equal(unknown.code, 2);
				assert.match(unknown.stderr, /profileservice-admin view: Unknown option '--colour'/);
				const missing = await fixture.run(["view", STORE]);
				assert.equal(missing.code, 2);
				assert.match(missing.stderr, /missing <key>/);
				const noKey = await fixture.run(["view", STORE, KEY], { key: "" });
				assert.equal(noKey.code, 2);
				assert.match(noKey.stderr, /OPEN_CLOUD_API_KEY holds no API key/);
				const rollback = await fixture.run(["rollback", STORE, KEY]);
				assert.match(rollback.stderr, /--version <revision> is required/);
				const noUniverse = await fixture.run(["view", STORE, KEY], { universe: false });
				assert.equal(noUniverse.code, 2);
				assert.match(noUniverse.stderr, /no universe id\. Pass --universe <id>/);
				writeFile(fixture, "profileservice-admin.json", '{ "universeId": 4242, "apiKey": "oops" }');
				const badConfig = await fixture.run(["view", STORE, KEY], { universe: false });
				assert.match(badConfig.stderr, /unknown key "apiKey" .* an API key never goes in the file/);
				assert.equal(fixture.standIn.requests.length, 0);
				writeFile(fixture, "profileservice-admin.json", '{ "universeId": 4242 }');
				const fromConfig = await fixture.run(["view", STORE, KEY], { universe: false });
				assert.equal(fromConfig.code, 4, fromConfig.stderr);
			}),
	],
	[
		"admin package: npm pack ships the built command, its README and licence, and nothing else",
		() => {
			const dir = join(REPO_ROOT, "admin");
			const output = execFileSync("npm", ["pack", "--dry-run", "--json"], {
				cwd: dir,
				encoding: "utf8",
				stdio: ["ignore", "pipe", "ignore"],
			});
			const files = (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0].files.map(
				(file) => file.path,
			);
			const unexpected = files.filter(
				(file) => !/^(dist\/[\w/]+\.js|README\.md|LICENSE|package\.json)$/.test(file),
			);
			assert.deepEqual(unexpected, []);
			for (const needed of ["dist/cli.js", "dist/Main.js", "README.md", "LICENSE", "package.json"])
				assert.ok(files.includes(needed), needed);
			assert.match(readFileSync(join(dir, "dist", "cli.js"), "utf8"), /^#!\/usr\/bin\/env node\n/);
		},
	],
];
