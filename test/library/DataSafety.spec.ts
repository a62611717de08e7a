import Runtime, { type SimServer } from "../Runtime";
import { expectContains } from "../Expect";
import { ours, receiveGifts, startServers, storeOn, stored, resetDefaults, collectIssues } from "./Fixtures";

/** How many versions (deleted markers included) the world's DataStore holds for a key. */
function versionCount(key: string) {
	return Runtime.store().versions("PlayerData", undefined, key).size();
}

function hasText(text: string, part: string) {
	return text.find(part, 1, true)[0] !== undefined;
}

export = () => {
	beforeEach(resetDefaults);

	describe("loads", () => {
		it("a load superseded by a newer load of the same key never writes, so the newer profile keeps saving", () => {
			const [a, b] = startServers("A", "B");
			const profileB = b.call(() => storeOn(b).LoadProfileAsync("Super_1"))!;
			let firstResult: unknown = "pending";
			a.spawn(() => {
				firstResult = storeOn(a).LoadProfileAsync("Super_1", () => "Repeat");
			});
			Runtime.wait(1);
			profileB.Release();
			Runtime.wait(2);
			const profileA = a.call(() => storeOn(a).LoadProfileAsync("Super_1"))!;
			let released = false;
			profileA.ListenToRelease(() => (released = true));
			profileA.Data.Coins = 99;
			const loadCount = stored("Super_1")!.MetaData.SessionLoadCount;
			Runtime.waitUntil(() => firstResult !== "pending", 30, "the superseded load returns");
			expect(firstResult).to.equal(undefined);
			expect(stored("Super_1")!.MetaData.SessionLoadCount).to.equal(loadCount);
			profileA.Save();
			Runtime.wait(10);
			expect(released).to.equal(false);
			expect(profileA.IsActive()).to.equal(true);
			expect(stored("Super_1")!.Data.Coins).to.equal(99);
		});
	});

	describe("saves", () => {
		it("refuses to save Data replaced by a non-table, keeps the last good save and reports path and value", () => {
			const [a, b] = startServers("A", "B");
			const { ProfileService } = ours(a);
			const issues: string[] = [];
			const corruptions: string[] = [];
			ProfileService.IssueSignal.Connect((message) => issues.push(message));
			ProfileService.CorruptionSignal.Connect((storeName, key) => corruptions.push(`${storeName}/${key}`));
			const profile = a.call(() => storeOn(a).LoadProfileAsync("NonTable_1"))!;
			profile.Data.Coins = 42;
			profile.Save();
			Runtime.wait(7);
			(profile as unknown as { Data: unknown }).Data = 5;
			profile.Save();
			Runtime.wait(7);
			expect(stored("NonTable_1")!.Data.Coins).to.equal(42);
			expect(profile.IsActive()).to.equal(true);
			expect(issues[issues.size() - 1]).to.equal(
				"Save skipped: Data is a number (5), not a table; the last good save is kept",
			);
			expect(corruptions[0]).to.equal("PlayerData/NonTable_1");
			(profile as unknown as { Data: unknown }).Data = undefined;
			profile.Release();
			Runtime.waitUntil(() => stored("NonTable_1")!.MetaData.ActiveSession === undefined, 30, "release");
			expect(issues[issues.size() - 1]).to.equal(
				"Save skipped: Data is nil, not a table; the last good save is kept",
			);
			const again = b.call(() => storeOn(b).LoadProfileAsync("NonTable_1"))!;
			expect(again.Data.Coins).to.equal(42);
		});

		it("writes nothing back to a key wiped while its profile is loaded", () => {
			const [a, admin] = startServers("A", "Admin");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("WipedLoaded_1"))!;
			Runtime.wait(7);
			expect(admin.call(() => storeOn(admin).WipeProfileAsync("WipedLoaded_1"))).to.equal(true);
			const versions = versionCount("WipedLoaded_1");
			profile.Data.Coins = 5;
			profile.Save();
			Runtime.waitUntil(() => !profile.IsActive(), 30, "local release");
			Runtime.wait(10);
			expect(Runtime.store().raw("PlayerData", undefined, "WipedLoaded_1")).to.equal(undefined);
			expect(versionCount("WipedLoaded_1")).to.equal(versions);
		});

		it("keeps a locked update when the release that would clear it cannot write the Data that processed it", () => {
			const [a, b, sender] = startServers("A", "B", "Sender");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("ClearHeld_1"))!;
			profile.GlobalUpdates.ListenToNewActiveUpdate((id) => profile.GlobalUpdates.LockActiveUpdate(id));
			profile.GlobalUpdates.ListenToNewLockedUpdate((id, data) => {
				profile.Data.Items.push(data.Item as string);
				(profile.Data as unknown as Record<string, unknown>).Broken = () => 1;
				profile.GlobalUpdates.ClearLockedUpdate(id);
				profile.Release();
			});
			sender.call(() =>
				storeOn(sender).GlobalUpdateProfileAsync("ClearHeld_1", (u) => u.AddActiveUpdate({ Item: "Gem" })),
			);
			profile.Save();
			Runtime.wait(7);
			profile.Save(); // locks; the listener then clears and releases
			Runtime.waitUntil(() => stored("ClearHeld_1")!.MetaData.ActiveSession === undefined, 60, "release");
			const value = stored("ClearHeld_1")!;
			expect(value.GlobalUpdates[1].size()).to.equal(1);
			expect(value.Data.Items.size()).to.equal(0);
			const again = b.call(() => storeOn(b).LoadProfileAsync("ClearHeld_1"))!;
			expect(again.GlobalUpdates.GetLockedUpdates().size()).to.equal(1);
		});
	});

	describe("OverwriteAsync", () => {
		const cases: Array<[string, (key: string, admin: SimServer) => void]> = [
			["wiped", (key, admin) => admin.call(() => storeOn(admin).WipeProfileAsync(key))],
			["empty", (key) => Runtime.store().set("PlayerData", undefined, key, {})],
			["corrupted", (key) => Runtime.store().set("PlayerData", undefined, key, "garbage")],
			[
				"updates-only",
				(key) =>
					Runtime.store().set("PlayerData", undefined, key, {
						GlobalUpdates: [1, [[1, 1, false, { Item: "Old" }]]],
					}),
			],
		];
		for (const [kind, spoil] of cases) {
			it(`restores a version over a ${kind} key`, () => {
				const [a, admin] = startServers("A", "Admin");
				const key = `Overwrite_${kind}`;
				const profile = a.call(() => storeOn(a).LoadProfileAsync(key))!;
				profile.Data.Coins = 300;
				profile.Release();
				Runtime.wait(7);
				const view = admin.call(() => storeOn(admin).ViewProfileAsync(key))!;
				spoil(key, admin);
				admin.call(() => view.OverwriteAsync());
				const value = stored(key)!;
				expect(value.Data.Coins).to.equal(300);
				expect(value.MetaData.ActiveSession).to.equal(undefined);
				expect((value as unknown as { WasCorrupted?: boolean }).WasCorrupted).never.to.equal(true);
				const reloaded = a.call(() => storeOn(a).LoadProfileAsync(key))!;
				expect(reloaded.Data.Coins).to.equal(300);
			});
		}
	});

	describe("Mock stores", () => {
		it("apply overlapping writes atomically: two concurrent gifts both land, with ids 1 and 2", () => {
			const [a] = startServers("A");
			const mock = storeOn(a).Mock;
			let done = 0;
			for (const item of ["Sword", "Shield"]) {
				a.spawn(() => {
					mock.GlobalUpdateProfileAsync("MockAtomic_1", (u) => u.AddActiveUpdate({ Item: item }));
					done += 1;
				});
			}
			Runtime.waitUntil(() => done === 2, 10, "both gifts");
			const updates = a.call(() => mock.ViewProfileAsync("MockAtomic_1"))!.GlobalUpdates.GetActiveUpdates();
			expect(updates.size()).to.equal(2);
			expect(updates[0][0]).to.equal(1);
			expect(updates[1][0]).to.equal(2);
		});

		it("keep a gift sent in the same frame as a Save", () => {
			const [a] = startServers("A");
			const mock = storeOn(a).Mock;
			const profile = a.call(() => mock.LoadProfileAsync("MockAtomic_2"))!;
			let sent = false;
			a.spawn(() => {
				mock.GlobalUpdateProfileAsync("MockAtomic_2", (u) => u.AddActiveUpdate({ Item: "Gem" }));
				sent = true;
			});
			profile.Save();
			Runtime.waitUntil(() => sent, 10, "gift sent");
			Runtime.wait(1);
			const view = a.call(() => mock.ViewProfileAsync("MockAtomic_2"))!;
			expect(view.GlobalUpdates.GetActiveUpdates().size()).to.equal(1);
		});

		it("store.Mock.Mock is a mock store and never reaches the live store", () => {
			const [a] = startServers("A");
			const twice = storeOn(a).Mock.Mock;
			expect(a.call(() => twice.IsMock())).to.equal(true);
			const profile = a.call(() => twice.LoadProfileAsync("MockMock_1"))!;
			profile.Data.Coins = 5;
			profile.Release();
			a.call(() => twice.GlobalUpdateProfileAsync("MockMock_2", (u) => u.AddActiveUpdate({ Item: "x" })));
			Runtime.wait(10);
			expect(stored("MockMock_1")).to.equal(undefined);
			expect(stored("MockMock_2")).to.equal(undefined);
			expect(versionCount("MockMock_1") + versionCount("MockMock_2")).to.equal(0);
			expect(a.call(() => storeOn(a).Mock.ViewProfileAsync("MockMock_1"))!.Data.Coins).to.equal(5);
		});
	});

	describe("ViewProfileAsync with a version", () => {
		it("returns undefined with a warning for a version the DataStore rejects, without retrying", () => {
			const [a] = startServers("A");
			const issues = collectIssues(a);
			const profile = a.call(() => storeOn(a).LoadProfileAsync("BadVersion_1"))!;
			profile.Release();
			Runtime.wait(7);
			const start = Runtime.now();
			expect(a.call(() => storeOn(a).ViewProfileAsync("BadVersion_1", "not-a-version"))).to.equal(undefined);
			expect(Runtime.now() - start < 5).to.equal(true);
			expect(issues.size() <= 1).to.equal(true);
			expect(
				a
					.logs("warn")
					.some((w) => hasText(w.text, "[ProfileService]: Version") && hasText(w.text, "not valid")),
			).to.equal(true);
			expect(ours(a).ProfileService.CriticalState).to.equal(false);
		});

		it("returns undefined for a well-formed version the key never had", () => {
			const [a] = startServers("A");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("BadVersion_2"))!;
			const version = profile.KeyInfo.Version;
			profile.Release();
			Runtime.wait(7);
			expect(a.call(() => storeOn(a).ViewProfileAsync("BadVersion_2", version))).to.be.ok();
			const unknown = version.sub(1, -3) + (version.sub(-2) === "99" ? "98" : "99");
			expect(a.call(() => storeOn(a).ViewProfileAsync("BadVersion_2", unknown))).to.equal(undefined);
		});
	});

	describe("after ServiceLocked", () => {
		it("store methods return what the original returns instead of erroring", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			a.call(() => store.LoadProfileAsync("Locked_1"));
			const results: string[] = [];
			a.call(() =>
				game.BindToClose(() => {
					const calls: Array<() => unknown> = [
						() => store.LoadProfileAsync("Locked_2"),
						() => store.GlobalUpdateProfileAsync("Locked_2", (u) => u.AddActiveUpdate({})),
						() => store.ViewProfileAsync("Locked_1"),
						() => store.ProfileVersionQuery("Locked_1").NextAsync(),
						() => store.WipeProfileAsync("Locked_1"),
						() => store.Mock.LoadProfileAsync("Locked_3"),
					];
					for (const call of calls) {
						const [ok, value] = pcall(call);
						results.push(ok ? tostring(value) : `error: ${value}`);
					}
				}),
			);
			a.shutdown();
			expect(results.join(",")).to.equal("nil,nil,nil,nil,false,nil");
			expect(stored("Locked_2")).to.equal(undefined);
			expect(stored("Locked_1")).to.be.ok();
		});

		it("still checks arguments, naming the bad one", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			let message = "";
			a.call(() =>
				game.BindToClose(() => {
					const [, err] = pcall(() => store.LoadProfileAsync("" as string));
					message = tostring(err);
				}),
			);
			a.shutdown();
			expectContains(message, 'argument "profileKey" must be a non-empty string');
		});
	});

	describe("same-server reload under faults", () => {
		it("gets back exactly what it released when the release write failed and is being retried", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const profile = a.call(() => store.LoadProfileAsync("Rejoin_1"))!;
			profile.Data.Coins = 111;
			profile.Save();
			Runtime.wait(7);
			profile.Data.Coins = 113;
			Runtime.configureDataStore({ keyFailures: { Rejoin_1: { count: 2, code: 502, message: "flaky" } } });
			profile.Release();
			const again = a.call(() => store.LoadProfileAsync("Rejoin_1"))!;
			expect(again.Data.Coins).to.equal(113);
			Runtime.wait(10);
			expect(again.IsActive()).to.equal(true);
			again.Release();
			Runtime.waitUntil(() => stored("Rejoin_1")!.MetaData.ActiveSession === undefined, 60, "release");
			expect(stored("Rejoin_1")!.Data.Coins).to.equal(113);
		});

		it("still waits for the release when a save of the same profile, also failing, finishes first", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const profile = a.call(() => store.LoadProfileAsync("Rejoin_3"))!;
			profile.Data.Coins = 111;
			profile.Save();
			Runtime.wait(7);
			profile.Data.Coins = 113;
			Runtime.configureDataStore({ keyFailures: { Rejoin_3: { count: 3, code: 502, message: "flaky" } } });
			profile.Save();
			profile.Release();
			const again = a.call(() => store.LoadProfileAsync("Rejoin_3"))!;
			expect(again.Data.Coins).to.equal(113);
		});

		it("gets back what it released when the release landed but its response was lost", () => {
			const [a] = startServers("A");
			const store = storeOn(a);
			const profile = a.call(() => store.LoadProfileAsync("Rejoin_2"))!;
			profile.Data.Coins = 5;
			profile.Save();
			Runtime.wait(7);
			profile.Data.Coins = 6;
			Runtime.configureDataStore({ lostResponseRate: 1 });
			profile.Release();
			Runtime.wait(0.5);
			Runtime.configureDataStore({ lostResponseRate: 0 });
			const again = a.call(() => store.LoadProfileAsync("Rejoin_2"))!;
			expect(again.Data.Coins).to.equal(6);
		});
	});

	describe("GlobalUpdateProfileAsync exactly once", () => {
		function sendWithLostResponse(sender: SimServer, key: string, between?: () => void): unknown {
			let result: unknown = "pending";
			Runtime.configureDataStore({ lostResponseRate: 1 });
			sender.spawn(() => {
				result = storeOn(sender).GlobalUpdateProfileAsync(key, (u) => u.AddActiveUpdate({ Item: "Crown" }));
			});
			Runtime.wait(0.5);
			Runtime.configureDataStore({ lostResponseRate: 0 });
			between?.();
			Runtime.waitUntil(() => result !== "pending", 120, "the gift call returns");
			return result;
		}

		it("stores a gift once when its write landed but the response was lost", () => {
			const [sender] = startServers("Sender");
			const result = sendWithLostResponse(sender, "Gift_1");
			expect(result).to.be.ok();
			const updates = stored("Gift_1")!.GlobalUpdates;
			expect(updates[1].size()).to.equal(1);
			expect(updates[0]).to.equal(1);
		});

		it("stores it once when another server's gift landed between the lost response and the retry", () => {
			const [sender, other] = startServers("Sender", "Other");
			sendWithLostResponse(sender, "Gift_2", () =>
				other.call(() =>
					storeOn(other).GlobalUpdateProfileAsync("Gift_2", (u) => u.AddActiveUpdate({ Item: "Crown" })),
				),
			);
			const updates = stored("Gift_2")!.GlobalUpdates[1];
			expect(updates.size()).to.equal(2);
			expect(updates[0][0]).to.equal(1);
			expect(updates[1][0]).to.equal(2);
		});

		it("stores it once when its write failed outright and another server's identical gift landed first", () => {
			const [sender, other] = startServers("Sender", "Other");
			Runtime.configureDataStore({ keyFailures: { Gift_3: { count: 1, code: 502, message: "flaky" } } });
			let done = false;
			sender.spawn(() => {
				storeOn(sender).GlobalUpdateProfileAsync("Gift_3", (u) => u.AddActiveUpdate({ Item: "Crown" }));
				done = true;
			});
			Runtime.wait(0.5);
			other.call(() =>
				storeOn(other).GlobalUpdateProfileAsync("Gift_3", (u) => u.AddActiveUpdate({ Item: "Crown" })),
			);
			Runtime.waitUntil(() => done, 120, "the gift call returns");
			expect(stored("Gift_3")!.GlobalUpdates[1].size()).to.equal(2);
		});

		it("a holder's profile receives a gift once even when the sender's response was lost", () => {
			const [a, sender] = startServers("A", "Sender");
			const profile = a.call(() => storeOn(a).LoadProfileAsync("Gift_4"))!;
			const received = receiveGifts(profile.GlobalUpdates, (data) =>
				profile.Data.Items.push(data.Item as string),
			);
			sendWithLostResponse(sender, "Gift_4");
			for (let i = 0; i < 4; i++) {
				profile.Save();
				Runtime.wait(7);
			}
			expect(received.join(",")).to.equal("Crown");
			expect(stored("Gift_4")!.Data.Items.join(",")).to.equal("Crown");
			expect(stored("Gift_4")!.GlobalUpdates[1].size()).to.equal(0);
		});
	});
};
