/**
 * How saves are checked. Roblox's store and the mock refuse unstorable and oversized values themselves, so the
 * library does not walk the data before every save: it names the refused value after a refusal, measures the size
 * on a session's first save, every SizeCheckEvery saves, and every save once past half the limit. A store that does
 * not validate values gets every save checked before it is sent.
 */
import type { DataStoreAdapter, ProfileTransform } from "../../src";
import Runtime from "../Runtime";
import { ours, resetDefaults, startServers, storeOn, stored, TEMPLATE, collectIssues } from "./Fixtures";

/** UpdateAsync requests sent for a key (of any store: the keys of this file are unique). */
const writes = (key: string) => Runtime.store().stats().byKey[`UpdateAsync ${key}`] ?? 0;

export = () => {
	beforeEach(resetDefaults);

	it("names the value the DataStore refused, keeps the last good save, and keeps the profile active", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Refused_1"))!;
		profile.Data.Coins = 1;
		profile.Save();
		Runtime.wait(10);
		const before = writes("Refused_1");
		const data = profile.Data as unknown as Record<string, unknown>;
		data.Coins = 2;
		data.Pets = { Dog: { Name: "Rex", OnPet: () => 1 } };
		profile.Save();
		Runtime.wait(10);
		// The save was sent and refused by the DataStore (no walk before the write); the lock was then written
		// without Data, as every save writes it.
		expect(writes("Refused_1") - before).to.equal(2);
		expect(issues[issues.size() - 1]).to.equal(
			"Save skipped: Data.Pets.Dog.OnPet is a function; the last good save is kept",
		);
		expect(stored("Refused_1")!.Data.Coins).to.equal(1);
		expect(profile.IsActive()).to.equal(true);
		data.Pets = undefined;
		profile.Save();
		Runtime.wait(10);
		expect(stored("Refused_1")!.Data.Coins).to.equal(2);
	});

	it("releases the lock when the DataStore refuses the released Data, keeping the last good save", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Refused_2"))!;
		profile.Data.Coins = 5;
		profile.Save();
		Runtime.wait(10);
		(profile.Data as unknown as Record<string, unknown>).Bad = 0 / 0;
		profile.Data.Coins = 6;
		profile.Release();
		Runtime.waitUntil(() => stored("Refused_2")!.MetaData.ActiveSession === undefined, 30, "release");
		expect(stored("Refused_2")!.Data.Coins).to.equal(5);
	});

	it("refuses data that grew past the limit between size checks, through the DataStore's own check", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Grew_1"))!;
		profile.Save();
		Runtime.wait(10);
		const data = profile.Data as unknown as Record<string, unknown>;
		data.Blob = string.rep("x", 4194304);
		const before = writes("Grew_1");
		profile.Save();
		Runtime.wait(10);
		// Refused by the DataStore, then the lock alone written.
		expect(writes("Grew_1") - before).to.equal(2);
		expect(issues[issues.size() - 1].find("over the DataStore limit of 4194304", 1, true)[0]).to.be.ok();
		expect(stored("Grew_1")!.Data).never.to.equal(undefined);
		expect((stored("Grew_1")!.Data as unknown as { Blob?: string }).Blob).to.equal(undefined);
		// Measured once over the limit, every later save is checked before it is sent: only the lock is written.
		const after = writes("Grew_1");
		profile.Save();
		Runtime.wait(7); // before the next auto-save
		expect(writes("Grew_1") - after).to.equal(1);
		expect((stored("Grew_1")!.Data as unknown as { Blob?: string }).Blob).to.equal(undefined);
		expect(profile.IsActive()).to.equal(true);
	});

	it("warns past 80 % of the limit within SizeCheckEvery saves of growing there unmeasured", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Grew_2"))!;
		profile.Save();
		Runtime.wait(10);
		(profile.Data as unknown as Record<string, unknown>).Blob = string.rep("x", 3500000);
		const warned = () =>
			a.logs("warn").some((w) => w.text.find("over 80% of the DataStore limit", 1, true)[0] !== undefined);
		let saves = 0;
		while (!warned() && saves < 25) {
			profile.Save();
			Runtime.wait(7);
			saves += 1;
		}
		expect(warned()).to.equal(true);
		expect(saves <= 20).to.equal(true);
		// And it was not measured at once: the data was stored unmeasured first.
		expect(saves > 1).to.equal(true);
	});

	it("makes the mock store refuse what Roblox refuses, naming the value", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		const mock = storeOn(a, "MockChecks").Mock;
		const profile = a.call(() => mock.LoadProfileAsync("Mocked_1"))!;
		profile.Data.Coins = 3;
		profile.Save();
		Runtime.wait(10);
		(profile.Data as unknown as Record<string, unknown>).Tool = new Instance("Folder");
		profile.Save();
		Runtime.wait(10);
		expect(issues[issues.size() - 1]).to.equal("Save skipped: Data.Tool is a Instance; the last good save is kept");
		(profile.Data as unknown as Record<string, unknown>).Tool = undefined;
		a.call(() => profile.Release());
		Runtime.wait(10);
		const view = a.call(() => mock.ViewProfileAsync("Mocked_1"))!;
		expect(view.Data.Coins).to.equal(3);
		const adapter = new (ours(a).MockDataStoreAdapter)();
		const [ok, err] = a.call(() =>
			pcall(() => adapter.UpdateAsync("k", (() => $tuple({ f: () => 1 })) as unknown as ProfileTransform)),
		);
		expect(ok).to.equal(false);
		expect(tostring(err).sub(1, 4)).to.equal("104:");
	});

	it("checks every save before sending it when the adapter does not validate values", () => {
		const [a] = startServers("A");
		const lib = ours(a);
		const inner = new lib.MockDataStoreAdapter();
		let sent = 0;
		let sentFunction = false;
		const adapter: DataStoreAdapter = {
			IsMock: false,
			UpdateAsync(key, transform) {
				sent += 1;
				return inner.UpdateAsync(key, (latest, info) => {
					const [value, userIds, metadata] = transform(latest, info);
					if ((value as { Data?: { F?: unknown } } | undefined)?.Data?.F !== undefined) sentFunction = true;
					return $tuple(value, userIds, metadata);
				});
			},
			GetAsync(key, version) {
				return inner.GetAsync(key, version);
			},
			RemoveAsync(key) {
				inner.RemoveAsync(key);
			},
			ListVersionsAsync(key, direction, min, max) {
				return inner.ListVersionsAsync(key, direction, min, max);
			},
			GetBudget() {
				return math.huge;
			},
		};
		const issues = collectIssues(a);
		const store = lib.ProfileService.GetProfileStore({ Name: "Custom", DataStore: adapter }, TEMPLATE);
		const profile = a.call(() => store.LoadProfileAsync("Custom_1"))!;
		Runtime.wait(7);
		const before = sent;
		(profile.Data as unknown as Record<string, unknown>).F = () => 1;
		profile.Save();
		Runtime.wait(10);
		// Checked before sending: the write that went out holds the lock and the last good Data, never the function.
		expect(sent - before).to.equal(1);
		expect(sentFunction).to.equal(false);
		expect(issues[issues.size() - 1]).to.equal("Save skipped: Data.F is a function; the last good save is kept");
	});
};
