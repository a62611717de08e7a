import Runtime from "../Runtime";
import { expectContains } from "../Expect";

function fresh() {
	const server = Runtime.startServer();
	const dss = server.game.GetService("DataStoreService");
	return { server, store: dss.GetDataStore("Limits"), dss };
}

function errorOf(server: ReturnType<typeof Runtime.startServer>, fn: () => unknown): string {
	// TestEZ injects `expect` only into test callbacks, so a helper reports a missing error by throwing.
	const [ok, err] = server.call(() => pcall(fn));
	if (ok) error("expected an error, but the call succeeded", 2);
	return tostring(err);
}

export = () => {
	beforeEach(() => Runtime.configureDataStore({ model: "official", latency: { min: 0.05, max: 0.15 } }));

	describe("sizes", () => {
		it("accepts a value of exactly 4,194,304 characters once encoded and refuses one more with 105", () => {
			const { server, store } = fresh();
			// A string encodes with two quotes around it.
			const fits = string.rep("a", 4194304 - 2);
			server.call(() => store.SetAsync("big", fits));
			expect(Runtime.store().raw("Limits", undefined, "big")!.size()).to.equal(4194304);
			const err = errorOf(server, () => store.SetAsync("big2", fits + "a"));
			expect(err.find("105: Serialized value exceeds 4194304 limit.", 1, true)[0]).to.equal(1);
			// The heap holds the 4 MB value, its JSON copy and a decoded copy: far past luau-web's stock 17 MB cap.
			const other = fresh();
			const [value] = other.server.call(() => other.store.GetAsync("big"));
			expect((value as string).size()).to.equal(4194302);
			const blocks: string[] = [];
			for (let i = 0; i < 8; i++) blocks.push(string.rep(tostring(i), 4194304));
			expect(gcinfo() > 40 * 1024).to.equal(true);
		});

		it("counts non-ASCII characters as their \\u escapes", () => {
			const { server, store } = fresh();
			server.call(() => store.SetAsync("utf", "é"));
			expect(Runtime.store().raw("Limits", undefined, "utf")).to.equal('"\\u00e9"');
		});

		it("limits key names to 50 characters and refuses empty ones", () => {
			const { server, store } = fresh();
			server.call(() => store.SetAsync(string.rep("k", 50), 1));
			expect(
				errorOf(server, () => store.SetAsync(string.rep("k", 51), 1)).find(
					"102: Key name exceeds the 50 character limit.",
					1,
					true,
				)[0],
			).to.equal(1);
			expect(
				errorOf(server, () => store.GetAsync("")).find("101: Key name can't be empty.", 1, true)[0],
			).to.equal(1);
		});

		it("limits data store names and scopes to 50 characters", () => {
			const { server, dss } = fresh();
			expectContains(
				errorOf(server, () => dss.GetDataStore(string.rep("n", 51))),
				"exceeds the 50 character limit",
			);
			expectContains(
				errorOf(server, () => dss.GetDataStore("ok", string.rep("s", 51))),
				"scope",
			);
			expect(dss.GetDataStore(string.rep("n", 50), string.rep("s", 50))).to.be.ok();
		});

		it("limits metadata to 300 characters, keys to 50 and values to 250", () => {
			const { server, store } = fresh();
			const options = new Instance("DataStoreSetOptions");
			options.SetMetadata({ note: string.rep("v", 200) });
			server.call(() => store.SetAsync("meta", 1, undefined, options));
			const [, info] = Runtime.store().get("Limits", undefined, "meta");
			expect((info!.metadata as { note: string }).note.size()).to.equal(200);
			const tooBig = new Instance("DataStoreSetOptions");
			tooBig.SetMetadata({ a: string.rep("v", 200), b: string.rep("v", 200) });
			expect(
				errorOf(server, () => store.SetAsync("meta2", 1, undefined, tooBig)).find(
					"511: Metadata attribute size exceeds 300 limit.",
					1,
					true,
				)[0],
			).to.equal(1);
			const longValue = new Instance("DataStoreSetOptions");
			longValue.SetMetadata({ a: string.rep("v", 251) });
			expect(errorOf(server, () => store.SetAsync("meta3", 1, undefined, longValue)).sub(1, 4)).to.equal("511:");
			const longKey = new Instance("DataStoreSetOptions");
			longKey.SetMetadata({ [string.rep("k", 51)]: 1 });
			expect(errorOf(server, () => store.SetAsync("meta4", 1, undefined, longKey)).sub(1, 4)).to.equal("511:");
		});

		it("checks user ids: numbers only, at most 4", () => {
			const { server, store } = fresh();
			server.call(() => store.SetAsync("ids", 1, [1, 2, 3, 4]));
			const [, info] = Runtime.store().get("Limits", undefined, "ids");
			expect(info!.userIds.size()).to.equal(4);
			expect(errorOf(server, () => store.SetAsync("ids", 1, [1, 2, 3, 4, 5])).sub(1, 4)).to.equal("512:");
			expect(
				errorOf(server, () => store.SetAsync("ids", 1, ["x" as unknown as number])).find(
					"513: Attribute userId format is invalid.",
					1,
					true,
				)[0],
			).to.equal(1);
		});
	});

	describe("values that cannot be stored", () => {
		const cases: Array<[string, () => unknown, string]> = [
			["a function", () => ({ f: () => 1 }), "104: Cannot store function in DataStore. (value.f is a function)"],
			[
				"an Instance",
				() => ({ part: new Instance("Folder") }),
				"104: Cannot store Instance in DataStore. (value.part is a Instance)",
			],
			["NaN", () => ({ n: 0 / 0 }), "104: Cannot store number in DataStore. (value.n is NaN)"],
			["a mixed table", () => ({ list: { 1: "a", x: "b" } }), "104: Cannot store mixed table in DataStore."],
			[
				"a sparse array",
				() => ({ Items: [1, undefined, 3] as unknown }),
				"104: Cannot store sparse array in DataStore. (value.Items is a sparse array",
			],
			[
				"invalid UTF-8",
				() => ({ s: "\xFF" }),
				"104: Cannot store string in DataStore. Data stores can only accept valid UTF-8 characters. (value.s is not valid UTF-8)",
			],
			["a non-string key", () => ({ [1.5]: true }), "104: Cannot store table in DataStore."],
		];
		for (const [name, make, message] of cases) {
			it(`refuses ${name} without spending budget`, () => {
				const { server, store } = fresh();
				const before = server.budget(Enum.DataStoreRequestType.SetIncrementAsync);
				const err = errorOf(server, () => store.SetAsync("bad", make()));
				expect(err.find(message, 1, true)[0]).to.equal(1);
				expect(server.budget(Enum.DataStoreRequestType.SetIncrementAsync)).to.equal(before);
				expect(Runtime.store().raw("Limits", undefined, "bad")).to.equal(undefined);
			});
		}

		it("names the nested path of the offending value, e.g. Data.Items[3]", () => {
			const { server, store } = fresh();
			const err = errorOf(server, () => store.SetAsync("bad", { Data: { Items: [1, 2, () => 3] } }));
			expectContains(err, "value.Data.Items[3] is a function");
		});

		it("refuses nil in SetAsync", () => {
			const { server, store } = fresh();
			expectContains(
				errorOf(server, () => store.SetAsync("nil", undefined)),
				"Argument 2 missing or nil",
			);
		});
	});

	describe("methods", () => {
		it("returns key info from GetAsync, with user ids and metadata", () => {
			const { server, store } = fresh();
			const options = new Instance("DataStoreSetOptions");
			options.SetMetadata({ tag: "x" });
			const version = server.call(() => store.SetAsync("info", { a: 1 }, [77], options));
			const [value, info] = server.call(() => store.GetAsync("info"));
			expect((value as { a: number }).a).to.equal(1);
			expect(info!.Version).to.equal(version);
			expect(info!.GetUserIds()[0]).to.equal(77);
			expect((info!.GetMetadata() as { tag: string }).tag).to.equal("x");
			expect(info!.CreatedTime).to.equal(info!.UpdatedTime);
			expect(math.abs(info!.CreatedTime - DateTime.now().UnixTimestampMillis) < 1000).to.equal(true);
		});

		it("runs UpdateAsync transforms with (value, keyInfo) and cancels on nil", () => {
			const { server, store } = fresh();
			server.call(() => store.SetAsync("u", 1, [5]));
			let seenIds: number[] = [];
			const [value] = server.call(() =>
				store.UpdateAsync("u", (old: unknown, info?: DataStoreKeyInfo) => {
					seenIds = info!.GetUserIds() as number[];
					return $tuple((old as number) + 1, [6], { m: 1 });
				}),
			);
			expect(value).to.equal(2);
			expect(seenIds[0]).to.equal(5);
			const [, stored] = Runtime.store().get("Limits", undefined, "u");
			expect(stored!.userIds[0]).to.equal(6);
			const versions = Runtime.store().versions("Limits", undefined, "u").size();
			Runtime.wait(7);
			const [cancelled] = server.call(() => store.UpdateAsync("u", () => $tuple(undefined)));
			expect(cancelled).to.equal(undefined);
			expect(Runtime.store().versions("Limits", undefined, "u").size()).to.equal(versions);
		});

		it("increments integers and removes keys, keeping a tombstone version", () => {
			const { server, store } = fresh();
			expect(server.call(() => store.IncrementAsync("n", 5))[0]).to.equal(5);
			Runtime.wait(7);
			expect(server.call(() => store.IncrementAsync("n"))[0]).to.equal(6);
			Runtime.wait(7);
			const [removed] = server.call(() => store.RemoveAsync("n"));
			expect(removed).to.equal(6);
			expect(Runtime.store().get("Limits", undefined, "n")[0]).to.equal(undefined);
			const versions = Runtime.store().versions("Limits", undefined, "n");
			expect(versions.size()).to.equal(3);
			expect(versions[2].deleted).to.equal(true);
		});

		it("lists versions by date and direction, reads and removes one", () => {
			const { server, store } = fresh();
			const stamps: number[] = [];
			for (let i = 1; i <= 5; i++) {
				stamps.push(DateTime.now().UnixTimestampMillis);
				server.call(() => store.SetAsync("v", i));
				Runtime.wait(60);
			}
			const pages = server.call(() =>
				store.ListVersionsAsync("v", Enum.SortDirection.Descending, undefined, undefined, 2),
			);
			const first = pages.GetCurrentPage();
			expect(first.size()).to.equal(2);
			expect(pages.IsFinished).to.equal(false);
			const [latest] = server.call(() => store.GetVersionAsync("v", first[0].Version));
			expect(latest).to.equal(5);
			server.call(() => pages.AdvanceToNextPageAsync());
			expect(pages.GetCurrentPage().size()).to.equal(2);
			const ranged = server.call(() =>
				store.ListVersionsAsync("v", Enum.SortDirection.Ascending, stamps[1], stamps[3] + 1000),
			);
			const items = ranged.GetCurrentPage();
			expect(items.size()).to.equal(3);
			expect(server.call(() => store.GetVersionAsync("v", items[0].Version))[0]).to.equal(2);
			server.call(() => store.RemoveVersionAsync("v", items[0].Version));
			expect(server.call(() => store.GetVersionAsync("v", items[0].Version))[0]).to.equal(undefined);
		});

		it("lists keys by prefix", () => {
			const { server, store } = fresh();
			for (const key of ["p_1", "p_2", "q_1"]) server.call(() => store.SetAsync(key, 1));
			const pages = server.call(() => store.ListKeysAsync("p_"));
			const names = (pages.GetCurrentPage() as DataStoreKey[]).map((k) => k.KeyName);
			expect(names.join(",")).to.equal("p_1,p_2");
		});

		it("keeps a basic OrderedDataStore", () => {
			const { server, dss } = fresh();
			const ordered = dss.GetOrderedDataStore("Scores");
			server.call(() => {
				ordered.SetAsync("a", 10);
				ordered.SetAsync("b", 30);
				ordered.SetAsync("c", 20);
			});
			const pages = server.call(() => ordered.GetSortedAsync(false, 2));
			const page = pages.GetCurrentPage();
			expect(page[0].key).to.equal("b");
			expect(page[1].value).to.equal(20);
			expect(errorOf(server, () => ordered.SetAsync("d", 1.5)).sub(1, 4)).to.equal("104:");
		});

		it("refuses DataStore requests in Studio without API access (403)", () => {
			const studio = Runtime.startServer({ studio: true, apiAccess: false });
			const store = studio.game.GetService("DataStoreService").GetDataStore("Limits");
			expect(
				errorOf(studio, () => store.SetAsync("k", 1)).find(
					"403: Cannot write to DataStore from Studio if API access is not enabled.",
					1,
					true,
				)[0],
			).to.equal(1);
		});
	});
};
