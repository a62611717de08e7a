import { expectError } from "../Expect";

function expectVector(v: Vector3, x: number, y: number, z: number) {
	if (!v.FuzzyEq(new Vector3(x, y, z), 1e-4)) error(`expected ${x}, ${y}, ${z}, got ${tostring(v)}`, 2);
}

export = () => {
	describe("Part", () => {
		it("has the defaults Instance.new gives a Part", () => {
			const part = new Instance("Part");
			expect(part.Size).to.equal(new Vector3(4, 1, 2));
			expect(part.Position).to.equal(Vector3.zero);
			expect(part.CFrame).to.equal(CFrame.identity);
			expect(part.Anchored).to.equal(false);
			expect(part.CanCollide).to.equal(true);
			expect(part.Transparency).to.equal(0);
			expect(part.Material).to.equal(Enum.Material.Plastic);
			expect(part.Shape).to.equal(Enum.PartType.Block);
			expect(part.BrickColor.Name).to.equal("Medium stone grey");
			expect(part.Color).to.equal(Color3.fromRGB(163, 162, 165));
			expect(part.TopSurface).to.equal(Enum.SurfaceType.Smooth);
			expect(part.IsA("BasePart")).to.equal(true);
			expect(part.IsA("PVInstance")).to.equal(true);
		});

		it("keeps Position, Orientation and CFrame as one placement", () => {
			const part = new Instance("Part");
			part.Position = new Vector3(1, 2, 3);
			expect(part.CFrame.Position).to.equal(new Vector3(1, 2, 3));
			part.Orientation = new Vector3(0, 90, 0);
			expect(part.Position).to.equal(new Vector3(1, 2, 3));
			expectVector(part.CFrame.LookVector, -1, 0, 0);
			expectVector(part.Orientation, 0, 90, 0);
			part.CFrame = new CFrame(5, 5, 5);
			expect(part.Position).to.equal(new Vector3(5, 5, 5));
			part.PivotTo(new CFrame(0, 10, 0));
			expect(part.GetPivot().Position).to.equal(new Vector3(0, 10, 0));
		});

		it("keeps Color and BrickColor as one property, and checks the types assigned", () => {
			const part = new Instance("Part");
			part.BrickColor = BrickColor.Red();
			expect(part.Color).to.equal(Color3.fromRGB(196, 40, 28));
			part.Color = Color3.fromRGB(13, 105, 172);
			expect(part.BrickColor.Name).to.equal("Bright blue");
			part.Material = Enum.Material.Neon;
			expect(part.Material).to.equal(Enum.Material.Neon);
			(part as unknown as { Material: string }).Material = "Wood";
			expect(part.Material).to.equal(Enum.Material.Wood);
			expectError(() => ((part as unknown as { Size: number }).Size = 5), "Vector3 expected, got number");
			expectError(
				() => ((part as unknown as { Material: EnumItem }).Material = Enum.PartType.Ball),
				"EnumItem of type Material expected",
			);
		});

		it("fires Changed and GetPropertyChangedSignal when a property changes", () => {
			const part = new Instance("Part");
			const changed: string[] = [];
			(part as unknown as { Changed: RBXScriptSignal<(name: string) => void> }).Changed.Connect((name) =>
				changed.push(name),
			);
			let transparencyChanges = 0;
			part.GetPropertyChangedSignal("Transparency").Connect(() => transparencyChanges++);
			part.Transparency = 0.5;
			part.Transparency = 0.5;
			part.Name = "Door";
			expect(transparencyChanges).to.equal(1);
			expectError(() => part.GetPropertyChangedSignal("Nope" as "Name"), "Nope is not a valid property name.");
			expectError(() => part.GetPropertyChangedSignal("Destroy" as "Name"), "not a valid property name");
			expectError(() => part.GetPropertyChangedSignal("Mass"), "rbxts-runtime does not emulate Part.Mass");
			expect(changed.includes("Transparency")).to.equal(true);
			expect(changed.includes("Name")).to.equal(true);
		});
	});

	describe("Model", () => {
		it("moves every part with PivotTo around the PrimaryPart, and reports its bounding box", () => {
			const model = new Instance("Model");
			const root = new Instance("Part");
			root.Name = "Root";
			root.Parent = model;
			const arm = new Instance("Part");
			arm.Position = new Vector3(4, 0, 0);
			arm.Parent = model;
			model.PrimaryPart = root;
			model.PivotTo(new CFrame(0, 10, 0));
			expect(root.Position).to.equal(new Vector3(0, 10, 0));
			expect(arm.Position).to.equal(new Vector3(4, 10, 0));
			expect(model.GetPivot().Position).to.equal(new Vector3(0, 10, 0));
			const [center, size] = model.GetBoundingBox();
			expect(center.Position).to.equal(new Vector3(2, 10, 0));
			expect(size).to.equal(new Vector3(8, 1, 2));
			expectError(() => (model.PrimaryPart = new Instance("Folder") as unknown as BasePart), "BasePart expected");
		});

		it("pivots around its WorldPivot without a PrimaryPart, and Clone points PrimaryPart at the copy", () => {
			const model = new Instance("Model");
			const part = new Instance("Part", model);
			model.WorldPivot = new CFrame(1, 0, 0);
			model.PivotTo(new CFrame(1, 5, 0));
			expect(part.Position).to.equal(new Vector3(0, 5, 0));
			model.PrimaryPart = part;
			const copy = model.Clone();
			expect(copy.PrimaryPart).never.to.equal(part);
			expect(copy.PrimaryPart!.Parent).to.equal(copy);
		});
	});

	describe("Attachment", () => {
		it("composes its CFrame with its parent part's", () => {
			const part = new Instance("Part");
			part.Position = new Vector3(0, 10, 0);
			const attachment = new Instance("Attachment", part);
			attachment.Position = new Vector3(1, 0, 0);
			expect(attachment.WorldPosition).to.equal(new Vector3(1, 10, 0));
			attachment.WorldPosition = new Vector3(0, 12, 0);
			expect(attachment.Position).to.equal(new Vector3(0, 2, 0));
		});
	});
};
