/**
 * Bad input at the API edge: a value the DataStore would refuse is refused at the call that brings it, a bad field
 * assigned directly never stops Data from saving, and no save or release dies silently. Where the original
 * ProfileService behaves differently, it runs beside ours.
 */
import Runtime, { type SimServer } from "../Runtime";
import { expectContains, expectError } from "../Expect";
import { collectIssues, ours, resetDefaults, startServers, storeOn, stored, TEMPLATE } from "./Fixtures";
import { original } from "./Original";

type Loose = Record<string, unknown>;

/**
 * Runs a GlobalUpdateProfileAsync on `server` and waits up to `timeout` virtual seconds for it to return or error,
 * so that a call that never returns fails the test instead of the spec file.
 */
function sendWithin(server: SimServer, timeout: number, send: () => unknown): [ok: boolean, err: unknown] {
	let result: [boolean, unknown] | undefined;
	server.spawn(() => {
		const [ok, err] = pcall(send);
		result = [ok, err];
	});
	Runtime.waitUntil(() => result !== undefined, timeout, "GlobalUpdateProfileAsync to return");
	return result!;
}

/** Waits until the stored key has no session lock. */
function waitReleased(key: string, label: string) {
	Runtime.waitUntil(() => stored(key) !== undefined && stored(key)!.MetaData.ActiveSession === undefined, 60, label);
}

export = () => {
	beforeEach(resetDefaults);

	describe("finding 1: a release whose save hits an unexpected error", () => {
		it("still ends: listeners fire, Data and the lock are saved, the issue is reported, a reload works", () => {
			const [a] = startServers("A");
			const issues = collectIssues(a);
			const store = a.call(() => storeOn(a));
			const profile = a.call(() => store.LoadProfileAsync("Unexpected_1"))!;
			profile.Data.Coins = 7;
			let released = 0;
			profile.ListenToRelease(() => (released += 1));
			(profile as unknown as Loose).GlobalUpdates = undefined;
			a.call(() => profile.Release());
			waitReleased("Unexpected_1", "release");
			Runtime.waitUntil(() => released === 1, 10, "release listener");
			expect(profile.IsActive()).to.equal(false);
			expect(stored("Unexpected_1")!.Data.Coins).to.equal(7);
			expect(issues.some((message) => message.find("GlobalUpdates", 1, true)[0] !== undefined)).to.equal(true);
			const again = a.call(() => store.LoadProfileAsync("Unexpected_1"))!;
			expect(again.Data.Coins).to.equal(7);
			// The stored updates were kept, and the reloaded profile has a working GlobalUpdates object.
			expect(again.GlobalUpdates.GetActiveUpdates().size()).to.equal(0);
		});

		it("the original warns and marks the profile released too (ours was the one that hung)", () => {
			const [o] = startServers("Original");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const profile = o.call(() => oStore.LoadProfileAsync("Unexpected_2"))!;
			let released = false;
			profile.ListenToRelease(() => (released = true));
			(profile as unknown as Loose).GlobalUpdates = undefined;
			o.call(() => profile.Release());
			Runtime.waitUntil(() => released, 60, "original release");
			expect(profile.IsActive()).to.equal(false);
		});
	});

	describe("finding 2: SetMetaTag with a value the DataStore refuses", () => {
		it("errors at the call naming the argument and the path, and changes nothing", () => {
			const [a] = startServers("A");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("MetaTag_1"))!;
			const cyclic: Loose = {};
			cyclic.Self = cyclic;
			const refused: Array<[unknown, string]> = [
				[() => 1, 'argument "value" cannot be stored in a DataStore: MetaTags.Tag is a function'],
				[new Instance("Folder"), "MetaTags.Tag is a Instance"],
				[0 / 0, "MetaTags.Tag is NaN"],
				[math.huge, "MetaTags.Tag is infinite"],
				[-math.huge, "MetaTags.Tag is infinite"],
				[string.char(255, 254), "MetaTags.Tag is a string that is not valid UTF-8"],
				[{ Inner: [1, () => 2] }, "MetaTags.Tag.Inner[2] is a function"],
				[cyclic, "MetaTags.Tag.Self is a reference to a table that contains it"],
			];
			for (const [value, message] of refused) {
				const text = expectError(() => profile.SetMetaTag("Tag", value), "Profile:SetMetaTag(): ");
				expectContains(text, message);
				expect(profile.GetMetaTag("Tag")).to.equal(undefined);
			}
			expectError(
				() => profile.SetMetaTag(string.char(255), 1),
				'Profile:SetMetaTag(): argument "tagName" must be a non-empty string of valid UTF-8',
			);
			profile.SetMetaTag("Tag", { Ok: [1, 2, "three"] });
			profile.Data.Coins = 3;
			profile.Save();
			Runtime.waitUntil(() => profile.MetaData.MetaTagsLatest.get("Tag") !== undefined, 30, "save");
			expect(stored("MetaTag_1")!.Data.Coins).to.equal(3);
		});

		it("the original accepts such a value, and its later saves then fail", () => {
			const [o] = startServers("Original");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const profile = o.call(() => oStore.LoadProfileAsync("MetaTag_2"))!;
			profile.SetMetaTag("Tag", 0 / 0);
			profile.Data.Coins = 9;
			profile.Save();
			Runtime.wait(15);
			expect(stored("MetaTag_2")!.Data.Coins).to.equal(0);
		});
	});

	describe("finding 3: a fifth AddUserId", () => {
		it("errors at the call: a DataStore key holds at most 4 user ids", () => {
			const [a] = startServers("A");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("UserIds_1"))!;
			for (const id of [1, 2, 3, 4]) profile.AddUserId(id);
			profile.AddUserId(4); // already there: not a fifth
			expectError(() => profile.AddUserId(5), 'Profile:AddUserId(): argument "userId" (5) would be the 5th');
			expect(profile.UserIds.size()).to.equal(4);
			profile.Data.Coins = 4;
			profile.Save();
			Runtime.waitUntil(() => stored("UserIds_1")!.Data.Coins === 4, 30, "save");
			const [, info] = Runtime.store().get("PlayerData", undefined, "UserIds_1");
			expect(info!.userIds.size()).to.equal(4);
		});

		it("the original accepts it, and its later saves are refused", () => {
			const [o] = startServers("Original");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const profile = o.call(() => oStore.LoadProfileAsync("UserIds_2"))!;
			for (const id of [1, 2, 3, 4, 5]) profile.AddUserId(id);
			profile.Data.Coins = 5;
			profile.Save();
			Runtime.wait(15);
			expect(stored("UserIds_2")!.Data.Coins).to.equal(0);
		});
	});

	describe("finding 4: RobloxMetaData or UserIds assigned a value the DataStore refuses", () => {
		for (const mock of [false, true]) {
			const where = mock ? "on .Mock" : "on the live store";
			it(`still saves Data, keeps the field's last good value and names the field, ${where}`, () => {
				const [a] = startServers("A");
				const issues = collectIssues(a);
				const live = a.call(() => storeOn(a));
				const store = mock ? live.Mock : live;
				const key = mock ? "Side_Mock" : "Side_Live";
				const profile = a.call(() => store.LoadProfileAsync(key))!;
				let saves = 0;
				profile.KeyInfoUpdated.Connect(() => (saves += 1));
				const saveNow = (label: string) => {
					const target = saves + 1;
					Runtime.wait(7); // the write cooldown since the last save
					profile.Save();
					Runtime.waitUntil(() => saves >= target, 30, label);
				};
				profile.RobloxMetaData = { Tier: "Gold" };
				profile.AddUserId(11);
				saveNow("first save");
				// What the key holds: the live store read directly, the mock through a view.
				const saved = () => {
					if (!mock) return stored(key)!;
					const view = a.call(() => store.ViewProfileAsync(key))!;
					return { Data: view.Data, RobloxMetaData: view.RobloxMetaData, UserIds: view.UserIds };
				};
				const cases: Array<[string, () => void]> = [
					["RobloxMetaData", () => (profile.RobloxMetaData = { Blob: string.rep("x", 400) })],
					["RobloxMetaData", () => ((profile as unknown as Loose).RobloxMetaData = "Gold")],
					["UserIds", () => (profile.UserIds as unknown as defined[]).push("12")],
				];
				let coins = 0;
				for (const [field, spoil] of cases) {
					const before = issues.size();
					spoil();
					coins += 1;
					profile.Data.Coins = coins;
					saveNow(`save with a bad ${field}`);
					expect(saved().Data.Coins).to.equal(coins);
					expect(profile.IsActive()).to.equal(true);
					const reported = issues.filter(
						(message, i) => i >= before && message.sub(1, field.size()) === field,
					);
					expect(reported.size()).to.equal(1);
					const view = saved();
					expect((view.RobloxMetaData as { Tier?: string }).Tier).to.equal("Gold");
					expect(view.UserIds!.size()).to.equal(1);
					expect(view.UserIds![0]).to.equal(11);
					// Repaired, the field saves again.
					profile.RobloxMetaData = { Tier: "Gold" };
					const ids = profile.UserIds as unknown as defined[];
					if (ids.size() > 1) ids.pop();
				}
			});
		}
	});

	describe("finding 5: MetaData.MetaTags replaced by a non-table", () => {
		it("never reaches the DataStore, so the original can still load the key; Get/SetMetaTag name the problem", () => {
			const [a, o] = startServers("A", "Original");
			const issues = collectIssues(a);
			const profile = a.call(() => storeOn(a).LoadProfileAsync("MetaTags_1"))!;
			profile.SetMetaTag("DataVersion", 2);
			(profile.MetaData as unknown as Loose).MetaTags = 5;
			profile.Data.Coins = 5;
			expectError(() => profile.GetMetaTag("DataVersion"), "Profile:GetMetaTag(): MetaData.MetaTags is a number");
			expectError(
				() => profile.SetMetaTag("DataVersion", 3),
				"Profile:SetMetaTag(): MetaData.MetaTags is a number",
			);
			let hop = false;
			profile.ListenToHopReady(() => (hop = true));
			profile.Release();
			Runtime.waitUntil(() => hop, 60, "release");
			expect(stored("MetaTags_1")!.Data.Coins).to.equal(5);
			expect(typeIs(stored("MetaTags_1")!.MetaData.MetaTags, "table")).to.equal(true);
			expect(issues.some((message) => message.sub(1, 17) === "MetaData.MetaTags")).to.equal(true);
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const oProfile = o.call(() => oStore.LoadProfileAsync("MetaTags_1"))!;
			expect(oProfile.Data.Coins).to.equal(5);
		});
	});

	describe("finding 5, keys already written", () => {
		it("loads a key whose stored MetaTags are not a table with empty MetaTags, and repairs it for the original", () => {
			const [a, o] = startServers("A", "Original");
			Runtime.store().set("PlayerData", undefined, "MetaTags_2", {
				Data: { Coins: 4, Items: [], Stats: { Level: 1 } },
				MetaData: { ProfileCreateTime: 0, SessionLoadCount: 1, MetaTags: 5 },
				GlobalUpdates: [0, []],
			});
			const profile = a.call(() => storeOn(a).LoadProfileAsync("MetaTags_2"))!;
			expect(profile.GetMetaTag("DataVersion")).to.equal(undefined);
			profile.SetMetaTag("DataVersion", 1);
			let hop = false;
			profile.ListenToHopReady(() => (hop = true));
			profile.Release();
			Runtime.waitUntil(() => hop, 60, "release");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const oProfile = o.call(() => oStore.LoadProfileAsync("MetaTags_2"))!;
			expect(oProfile.Data.Coins).to.equal(4);
			expect(oProfile.MetaData.MetaTags.DataVersion).to.equal(1);
		});
	});

	describe("finding 6: a global update the DataStore refuses", () => {
		it("is refused by AddActiveUpdate and ChangeActiveUpdate, naming the path", () => {
			const [a] = startServers("A");
			const store = a.call(() => storeOn(a));
			const cyclic: Loose = {};
			cyclic.Loop = [cyclic];
			a.call(() =>
				store.GlobalUpdateProfileAsync("Gift_1", (updates) => {
					expectError(
						() => updates.AddActiveUpdate({ Item: "Sword", OnOpen: () => 1 }),
						'GlobalUpdates:AddActiveUpdate(): argument "updateData" cannot be stored in a DataStore: updateData.OnOpen is a function',
					);
					expectError(() => updates.AddActiveUpdate(cyclic), "updateData.Loop[1] is a reference");
					updates.AddActiveUpdate({ Item: "Sword" });
					expectError(
						() => updates.ChangeActiveUpdate(1, { Item: 0 / 0 }),
						'GlobalUpdates:ChangeActiveUpdate(): argument "updateData" cannot be stored in a DataStore: updateData.Item is NaN',
					);
				}),
			);
			const view = a.call(() => store.ViewProfileAsync("Gift_1"))!;
			expect(view.GlobalUpdates.GetActiveUpdates().size()).to.equal(1);
			expect(view.GlobalUpdates.GetActiveUpdates()[0][1].Item).to.equal("Sword");
		});

		it("changed after AddActiveUpdate, errors out of GlobalUpdateProfileAsync and writes nothing", () => {
			const [a] = startServers("A");
			const store = a.call(() => storeOn(a));
			let runs = 0;
			const started = Runtime.now();
			const [ok, err] = sendWithin(a, 60, () =>
				store.GlobalUpdateProfileAsync("Gift_2", (updates) => {
					runs += 1;
					const data: Loose = { Item: "Sword" };
					updates.AddActiveUpdate(data);
					data.OnOpen = () => 1;
				}),
			);
			expect(ok).to.equal(false);
			expectContains(tostring(err), "ProfileStore:GlobalUpdateProfileAsync(): ");
			expectContains(tostring(err), "update 1 cannot be stored in a DataStore: updateData.OnOpen is a function");
			expect(runs).to.equal(1);
			expect(Runtime.now() - started < 5).to.equal(true);
			expect(stored("Gift_2")).to.equal(undefined);
		});

		it("that the DataStore refuses for its size, errors out instead of retrying for ever", () => {
			const [a] = startServers("A");
			const store = a.call(() => storeOn(a));
			const blob = string.rep("x", 2500000);
			a.call(() =>
				store.GlobalUpdateProfileAsync("Gift_3", (updates) => updates.AddActiveUpdate({ Blob: blob })),
			);
			let runs = 0;
			const [ok, err] = sendWithin(a, 60, () =>
				store.GlobalUpdateProfileAsync("Gift_3", (updates) => {
					runs += 1;
					updates.AddActiveUpdate({ Blob: blob });
				}),
			);
			expect(ok).to.equal(false);
			expectContains(tostring(err), "ProfileStore:GlobalUpdateProfileAsync(): the DataStore refused the update");
			expect(runs).to.equal(1);
			expect(stored("Gift_3")!.GlobalUpdates[1].size()).to.equal(1);
		});
	});

	describe("finding 7: a template the DataStore cannot store", () => {
		it("is refused by GetProfileStore, naming the path", () => {
			const [a] = startServers("A");
			const service = ours(a).ProfileService;
			const bad: Array<[object, string]> = [
				[{ Coins: 0, OnJoin: () => 1 }, "profileTemplate.OnJoin is a function"],
				[{ Items: { [1]: "a", [3]: "c" } }, "profileTemplate.Items is a sparse array"],
				[{ Ratio: 0 / 0 }, "profileTemplate.Ratio is NaN"],
			];
			for (const [template, path] of bad) {
				const message = expectError(
					() => service.GetProfileStore("PlayerData", template),
					'ProfileService.GetProfileStore(): argument "profileTemplate" cannot be stored in a DataStore: ',
				);
				expectContains(message, path);
			}
		});
	});

	describe("no save dies silently", () => {
		it("reports an auto-save that meets an unexpected error, and does not hold the server's shutdown", () => {
			const [a] = startServers("A");
			const issues = collectIssues(a);
			const profile = a.call(() => storeOn(a).LoadProfileAsync("Unexpected_3"))!;
			Runtime.wait(7);
			(profile as unknown as Loose).MetaTagsUpdated = undefined;
			profile.Data.Coins = 3;
			profile.Save();
			Runtime.wait(5);
			expect(stored("Unexpected_3")!.Data.Coins).to.equal(3);
			expect(
				issues.some((m) => m.find("Save failed with an unexpected error", 1, true)[0] !== undefined),
			).to.equal(true);
			// The release at shutdown meets the same error after it landed, and still ends.
			const started = Runtime.now();
			a.shutdown();
			expect(Runtime.now() - started < 15).to.equal(true);
			expect(stored("Unexpected_3")!.MetaData.ActiveSession).to.equal(undefined);
		});
	});

	describe("finding 8: clear errors for the smaller mistakes", () => {
		/** Calls a method with a dot, as Luau code would by mistake: the first argument becomes the object. */
		function dotCall(target: object, method: string, ...args: unknown[]) {
			const fn = (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
			return fn(...args);
		}

		it("names a dot call instead of failing with a raw error", () => {
			const [a] = startServers("A");
			const store = a.call(() => storeOn(a));
			const profile = a.call(() => store.LoadProfileAsync("Dot_1"))!;
			expectError(
				() => dotCall(profile, "Release"),
				"Profile:Release() must be called on its object with a colon",
			);
			expectError(() => dotCall(profile, "AddUserId", 5), "Profile:AddUserId() must be called on its object");
			expectError(() => dotCall(profile, "SetMetaTag", "Tag", 1), "Profile:SetMetaTag() must be called");
			expectError(() => dotCall(profile, "IsActive"), "Profile:IsActive() must be called");
			expectError(
				() => dotCall(profile.GlobalUpdates, "LockActiveUpdate", 1),
				"GlobalUpdates:LockActiveUpdate() must be called",
			);
			expectError(
				() => dotCall(store, "LoadProfileAsync", "Dot_2"),
				"ProfileStore:LoadProfileAsync() must be called",
			);
			expectError(
				() => dotCall(profile.MetaTagsUpdated, "Connect", () => undefined),
				"ScriptSignal:Connect() must be called",
			);
			expect(profile.IsActive()).to.equal(true);
		});

		it("names updateId when it names no update", () => {
			const [a] = startServers("A");
			const store = a.call(() => storeOn(a));
			const profile = a.call(() => store.LoadProfileAsync("Ids_1"))!;
			expectError(
				() => profile.GlobalUpdates.LockActiveUpdate(-1),
				'GlobalUpdates:LockActiveUpdate(): argument "updateId" (-1) names no update',
			);
			expectError(
				() => profile.GlobalUpdates.ClearLockedUpdate(7),
				'GlobalUpdates:ClearLockedUpdate(): argument "updateId" (7) names no update',
			);
			a.call(() =>
				store.GlobalUpdateProfileAsync("Ids_2", (updates) => {
					expectError(
						() => updates.ChangeActiveUpdate(3, { Item: "x" }),
						'GlobalUpdates:ChangeActiveUpdate(): argument "updateId" (3) names no update',
					);
					expectError(
						() => updates.ClearActiveUpdate(3),
						'GlobalUpdates:ClearActiveUpdate(): argument "updateId" (3) names no update',
					);
				}),
			);
		});

		it("refuses an Instance as the store index", () => {
			const [a] = startServers("A");
			const folder = new Instance("Folder");
			folder.Name = "PlayerData";
			expectError(
				() => ours(a).ProfileService.GetProfileStore(folder as unknown as string, TEMPLATE),
				'ProfileService.GetProfileStore(): argument "profileStoreIndex" must be a name or { Name, Scope }, got Instance',
			);
		});

		it("errors for changes to a released profile, and for Release in view mode; a second Release is harmless", () => {
			const [a] = startServers("A");
			const store = a.call(() => storeOn(a));
			const profile = a.call(() => store.LoadProfileAsync("Released_1"))!;
			a.call(() => profile.Release());
			expectError(() => profile.AddUserId(5), "Profile:AddUserId(): the profile is released");
			expectError(() => profile.RemoveUserId(5), "Profile:RemoveUserId(): the profile is released");
			expectError(() => profile.SetMetaTag("Tag", 1), "Profile:SetMetaTag(): the profile is released");
			expect(profile.UserIds.size()).to.equal(0);
			expect(profile.GetMetaTag("Tag")).to.equal(undefined);
			a.call(() => profile.Release());
			waitReleased("Released_1", "release");
			const view = a.call(() => store.ViewProfileAsync("Released_1"))!;
			expectError(() => view.Release(), "Profile:Release(): a view-mode profile holds no session lock");
			// A view accepts changes: OverwriteAsync writes them.
			view.SetMetaTag("Tag", 2);
			view.AddUserId(8);
			a.call(() => view.OverwriteAsync());
			expect(stored("Released_1")!.MetaData.MetaTags.Tag).to.equal(2);
			expect(stored("Released_1")!.UserIds![0]).to.equal(8);
		});

		it("the original accepts changes to a released profile without a word", () => {
			const [o] = startServers("Original");
			const oStore = original(o).GetProfileStore("PlayerData", TEMPLATE);
			const profile = o.call(() => oStore.LoadProfileAsync("Released_2"))!;
			o.call(() => profile.Release());
			profile.AddUserId(5);
			profile.SetMetaTag("Tag", 1);
			expect(profile.UserIds.size()).to.equal(1);
			expect(profile.MetaData.MetaTags.Tag).to.equal(1);
		});

		it("refuses Connect with something that is not a function", () => {
			const [a] = startServers("A");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("Connect_1"))!;
			expectError(
				() => profile.MetaTagsUpdated.Connect("print" as unknown as () => void),
				'ScriptSignal:Connect(): argument "listener" must be a function, got string',
			);
			expectError(
				() => profile.KeyInfoUpdated.Once(5 as unknown as () => void),
				'ScriptSignal:Once(): argument "listener" must be a function, got number',
			);
		});
	});
};
