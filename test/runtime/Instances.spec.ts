import Runtime from "../Runtime";
import { expectContains } from "../Expect";

export = () => {
	describe("Instance", () => {
		it("keeps a tree with names, parents and full names", () => {
			const folder = new Instance("Folder");
			folder.Name = "Root";
			const child = new Instance("Folder", folder);
			child.Name = "Child";
			const leaf = new Instance("StringValue");
			leaf.Name = "Leaf";
			leaf.Parent = child;
			folder.Parent = game.GetService("ServerStorage");
			expect(leaf.GetFullName()).to.equal("ServerStorage.Root.Child.Leaf");
			expect(folder.FindFirstChild("Leaf", true)).to.equal(leaf);
			expect(folder.FindFirstChild("Leaf")).to.equal(undefined);
			expect(folder.GetDescendants().size()).to.equal(2);
			expect(folder.GetChildren().size()).to.equal(1);
			expect(leaf.IsDescendantOf(folder)).to.equal(true);
			expect(folder.IsDescendantOf(leaf)).to.equal(false);
			expect(leaf.IsA("StringValue")).to.equal(true);
			expect(leaf.IsA("Instance")).to.equal(true);
			expect(leaf.ClassName).to.equal("StringValue");
			expect(typeOf(leaf)).to.equal("Instance");
			expect(tostring(leaf)).to.equal("Leaf");
			child.Destroy();
			expect(leaf.Parent).to.equal(undefined);
			expect(folder.GetChildren().size()).to.equal(0);
			expect(() => (child.Parent = folder)).to.throw("locked");
		});

		it("names the class and path when a member does not exist", () => {
			const folder = new Instance("Folder");
			folder.Name = "Box";
			const [ok, err] = pcall(() => (folder as unknown as { Nope: unknown }).Nope);
			expect(ok).to.equal(false);
			expectContains(err as string, 'Nope is not a valid member of Folder "Box"');
		});

		it("yields in WaitForChild until the child arrives, and warns about an infinite yield", () => {
			const folder = new Instance("Folder", game.GetService("ServerStorage"));
			folder.Name = "Waiting";
			task.delay(7, () => {
				const child = new Instance("Folder");
				child.Name = "Late";
				child.Parent = folder;
			});
			const start = os.clock();
			const child = folder.WaitForChild("Late");
			expect(child.Name).to.equal("Late");
			expect(os.clock() - start).to.be.near(7, 1 / 60);
			const warnings = Runtime.current().logs("warn");
			const expected = `Infinite yield possible on 'ServerStorage.Waiting:WaitForChild("Late")'`;
			expect(warnings.some((w) => w.text === expected)).to.equal(true);
			const start2 = os.clock();
			expect(folder.WaitForChild("Never", 2)).to.equal(undefined);
			expect(os.clock() - start2).to.be.near(2, 1 / 60);
		});

		it("creates the DataStore option objects, including SetExperimentalFeatures", () => {
			const options = new Instance("DataStoreOptions");
			options.SetExperimentalFeatures({ v2: true });
			expect(options.AllScopes).to.equal(false);
			const setOptions = new Instance("DataStoreSetOptions");
			setOptions.SetMetadata({ a: 1 });
			expect((setOptions.GetMetadata() as { a: number }).a).to.equal(1);
			const getOptions = new Instance("DataStoreGetOptions");
			expect(getOptions.UseCache).to.equal(true);
		});

		it("reports EnumItems, Enums and DateTime through typeof", () => {
			expect(typeOf(Enum.SortDirection.Descending)).to.equal("EnumItem");
			expect(Enum.SortDirection.Descending.EnumType).to.equal(Enum.SortDirection);
			expect(typeOf(Enum.SortDirection)).to.equal("Enum");
			expect(typeOf(Enum)).to.equal("Enums");
			expect(typeOf(DateTime.now())).to.equal("DateTime");
			const dt = DateTime.fromUniversalTime(2020, 10, 9, 1, 42);
			expect(dt.UnixTimestamp).to.equal(1602207720);
			expect(DateTime.fromUnixTimestampMillis(dt.UnixTimestampMillis).UnixTimestamp).to.equal(1602207720);
			expect(DateTime.fromUnixTimestamp(1602207720).UnixTimestampMillis).to.equal(1602207720000);
			expect(dt.ToUniversalTime().Minute).to.equal(42);
		});
	});

	describe("Rojo mounting", () => {
		it("mounts the project tree: services, $path folders, init modules, .lua and .json files", () => {
			const rs = game.GetService("ReplicatedStorage");
			const include = rs.FindFirstChild("rbxts_include")!;
			expect(include.IsA("Folder")).to.equal(true);
			expect(include.FindFirstChild("RuntimeLib")!.IsA("ModuleScript")).to.equal(true);
			const t = include.FindFirstChild("node_modules")!.FindFirstChild("@rbxts")!.FindFirstChild("t")!;
			expect(t.FindFirstChild("lib")!.IsA("Folder")).to.equal(true);
			expect(t.FindFirstChild("lib")!.FindFirstChild("ts")!.IsA("ModuleScript")).to.equal(true);
			// A folder with init.lua becomes a ModuleScript named after the folder.
			const rbxts = include.FindFirstChild("node_modules")!.FindFirstChild("@rbxts")!;
			expect(rbxts.FindFirstChild("signal")!.IsA("ModuleScript")).to.equal(true);
			expect(rbxts.FindFirstChild("profileservice")!.FindFirstChild("src")!.IsA("ModuleScript")).to.equal(true);
			// JSON files become modules returning their data.
			const pkg = t.FindFirstChild("package") as ModuleScript;
			// eslint-disable-next-line @typescript-eslint/no-var-requires -- requiring a mounted JSON module instance
			expect((require(pkg) as { name: string }).name).to.equal("@rbxts/t");
			const tests = game.GetService("ServerScriptService").FindFirstChild("Tests")!;
			expect(tests.FindFirstChild("runtime")!.FindFirstChild("Instances.spec")).to.be.ok();
		});

		it("gives every server its own tree and module cache", () => {
			const a = Runtime.startServer();
			const b = Runtime.startServer();
			expect(a.game).never.to.equal(b.game);
			const path = "ReplicatedStorage/rbxts_include/node_modules/@rbxts/t/lib/ts";
			const ta = a.require(path);
			const tb = b.require(path);
			expect(ta).never.to.equal(tb);
			expect(a.require(path)).to.equal(ta);
			expect(a.game.GetService("ReplicatedStorage").FindFirstChild("rbxts_include")).to.be.ok();
		});

		it("runs roblox-ts output: imports, classes and Promise", () => {
			const server = Runtime.startServer();
			const runtimeLib = server.require<{
				Promise: { delay: (s: number) => { await(): LuaTuple<[boolean, unknown]> } };
			}>("ReplicatedStorage/rbxts_include/RuntimeLib");
			const start = Runtime.now();
			const [ok] = server.call(() => runtimeLib.Promise.delay(3).await());
			expect(ok).to.equal(true);
			expect(Runtime.now() - start).to.be.near(3, 2 / 60);
		});
	});
};
