import Runtime from "../Runtime";
import { startServers, storeOn, stored, resetDefaults, collectIssues } from "./Fixtures";

export = () => {
	beforeEach(resetDefaults);

	it("skips a save holding a function, naming its path; the last good save stays and the profile stays active", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Bad_1"))!;
		profile.Data.Coins = 1;
		profile.Save();
		Runtime.wait(10);
		expect(stored("Bad_1")!.Data.Coins).to.equal(1);
		profile.Data.Coins = 2;
		(profile.Data.Items as unknown as defined[]).push("ok", "fine", () => 1);
		profile.Save();
		Runtime.wait(10);
		expect(stored("Bad_1")!.Data.Coins).to.equal(1);
		expect(profile.IsActive()).to.equal(true);
		expect(issues[0]).to.equal("Save skipped: Data.Items[3] is a function; the last good save is kept");
		expect(
			a
				.logs("warn")
				.some(
					(w) =>
						w.text.find("[ProfileService]: Save skipped: Data.Items[3] is a function", 1, true)[0] !==
						undefined,
				),
		).to.equal(true);
		// Fixing the data lets the next save through.
		(profile.Data.Items as unknown as defined[]).pop();
		profile.Save();
		Runtime.wait(10);
		expect(stored("Bad_1")!.Data.Coins).to.equal(2);
	});

	it("names Instances, NaN, mixed and sparse tables and non-string keys", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Bad_2"))!;
		const data = profile.Data as unknown as Record<string, unknown>;
		const cases: Array<[unknown, string]> = [
			[new Instance("Folder"), "Data.Thing is a Instance"],
			[0 / 0, "Data.Thing is NaN"],
			[{ 1: "a", b: "c" }, "Data.Thing is a mixed table (both array and dictionary keys)"],
			[[1, undefined, 3], "Data.Thing is a sparse array (it has gaps)"],
			[
				new Map<unknown, unknown>([[true, 1]]),
				"Data.Thing has a key that is not a string or a positive whole number (true)",
			],
		];
		for (const [value, message] of cases) {
			data.Thing = value;
			profile.Save();
			// The DataStore refuses the value itself (the library no longer walks every save); the lock alone is then
			// written, a write cooldown later, before the next case.
			Runtime.wait(13);
			expect(issues[issues.size() - 1]).to.equal(`Save skipped: ${message}; the last good save is kept`);
		}
		data.Thing = undefined;
	});

	it("refuses data over 4,194,304 characters, and warns past 80 % of it", () => {
		const [a] = startServers("A");
		const issues = collectIssues(a);
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Big_1"))!;
		const data = profile.Data as unknown as Record<string, unknown>;
		data.Blob = string.rep("x", 3500000);
		profile.Save();
		Runtime.wait(10);
		expect((stored("Big_1")!.Data as unknown as { Blob: string }).Blob.size()).to.equal(3500000);
		expect(
			a
				.logs("warn")
				.some((w) => w.text.find("over 80% of the DataStore limit of 4194304", 1, true)[0] !== undefined),
		).to.equal(true);
		data.Blob = string.rep("x", 4194304);
		profile.Save();
		Runtime.wait(10);
		expect(
			issues[issues.size() - 1].find(
				"over the DataStore limit of 4194304; the last good save is kept",
				1,
				true,
			)[0],
		).to.be.ok();
		expect((stored("Big_1")!.Data as unknown as { Blob: string }).Blob.size()).to.equal(3500000);
		expect(profile.IsActive()).to.equal(true);
	});

	it("still releases the lock when the data cannot be stored, keeping the last good save", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Bad_3"))!;
		profile.Data.Coins = 9;
		profile.Save();
		Runtime.wait(10);
		(profile.Data as unknown as Record<string, unknown>).Broken = () => 1;
		profile.Release();
		Runtime.waitUntil(() => stored("Bad_3")!.MetaData.ActiveSession === undefined, 30, "release");
		expect(stored("Bad_3")!.Data.Coins).to.equal(9);
	});

	it("keeps a failed auto-save from touching the stored data, and the profile active", () => {
		const [a] = startServers("A");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Fail_1"))!;
		profile.Data.Coins = 1;
		profile.Save();
		Runtime.wait(10);
		Runtime.configureDataStore({ keyFailures: { Fail_1: { code: 502, message: "down" } } });
		profile.Data.Coins = 2;
		profile.Save();
		Runtime.wait(10);
		expect(stored("Fail_1")!.Data.Coins).to.equal(1);
		expect(profile.IsActive()).to.equal(true);
		Runtime.configureDataStore({ keyFailures: {} });
		profile.Save();
		Runtime.wait(10);
		expect(stored("Fail_1")!.Data.Coins).to.equal(2);
	});

	it("spaces writes to a key by the cooldown and waits for budget instead of overflowing the throttle queue", () => {
		const [a] = startServers("A");
		const store = storeOn(a);
		const profiles = [];
		for (let i = 1; i <= 40; i++) profiles.push(a.call(() => store.LoadProfileAsync(`Flood_${i}`))!);
		for (let round = 0; round < 5; round++) for (const p of profiles) p.Save();
		Runtime.wait(300);
		const throttled = a
			.logs("warn")
			.filter((w) => w.text.find("DataStore request was added to queue", 1, true)[0] !== undefined);
		expect(throttled.size()).to.equal(0);
		expect(Runtime.store().stats().dropped).to.equal(0);
		expect(a.logs("warn").some((w) => w.text.find("DataStore API error", 1, true)[0] !== undefined)).to.equal(
			false,
		);
	});

	it("releases locally, without erroring, when its key is wiped while loaded", () => {
		const [a, admin] = startServers("A", "Admin");
		const profile = a.call(() => storeOn(a).LoadProfileAsync("Wiped_1"))!;
		let released = false;
		profile.ListenToRelease(() => (released = true));
		Runtime.wait(7);
		expect(admin.call(() => storeOn(admin).WipeProfileAsync("Wiped_1"))).to.equal(true);
		Runtime.wait(1);
		profile.Save();
		Runtime.waitUntil(() => released, 30, "local release");
		expect(profile.IsActive()).to.equal(false);
		expect(a.logs("error").size()).to.equal(0);
	});
};
