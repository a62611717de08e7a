import { expectError } from "../Expect";

export = () => {
	describe("UDim and UDim2", () => {
		it("hold scale and offset, add and subtract, and print as Roblox does", () => {
			const u = new UDim(0.5, 10);
			expect(u.Scale).to.equal(0.5);
			expect(u.Offset).to.equal(10);
			expect(u.add(new UDim(0.25, 5))).to.equal(new UDim(0.75, 15));
			expect(tostring(u)).to.equal("0.5, 10");
			expect(new UDim(0, 10.7).Offset).to.equal(10);
			const u2 = new UDim2(0.5, 10, 0, 20);
			expect(u2.X).to.equal(new UDim(0.5, 10));
			expect(u2.Y.Offset).to.equal(20);
			expect(u2.Width).to.equal(u2.X);
			expect(u2.Height).to.equal(u2.Y);
			expect(new UDim2(new UDim(1, 0), new UDim(0, 5))).to.equal(new UDim2(1, 0, 0, 5));
			expect(tostring(u2)).to.equal("{0.5, 10}, {0, 20}");
			expect(typeOf(u2)).to.equal("UDim2");
		});

		it("has fromScale, fromOffset, Lerp and arithmetic", () => {
			expect(UDim2.fromScale(0.5, 1)).to.equal(new UDim2(0.5, 0, 1, 0));
			expect(UDim2.fromOffset(10, 20)).to.equal(new UDim2(0, 10, 0, 20));
			expect(UDim2.fromScale(0, 0).Lerp(new UDim2(1, 100, 0.5, 50), 0.5)).to.equal(new UDim2(0.5, 50, 0.25, 25));
			expect(UDim2.fromScale(1, 1).sub(UDim2.fromOffset(10, 10))).to.equal(new UDim2(1, -10, 1, -10));
		});
	});

	describe("Rect and NumberRange", () => {
		it("have their bounds and sizes", () => {
			const rect = new Rect(1, 2, 11, 7);
			expect(rect.Min).to.equal(new Vector2(1, 2));
			expect(rect.Max).to.equal(new Vector2(11, 7));
			expect(rect.Width).to.equal(10);
			expect(rect.Height).to.equal(5);
			expect(new Rect(new Vector2(1, 2), new Vector2(11, 7))).to.equal(rect);
			const range = new NumberRange(1, 5);
			expect(range.Min).to.equal(1);
			expect(range.Max).to.equal(5);
			expect(new NumberRange(3).Max).to.equal(3);
			expectError(() => new NumberRange(5, 1), "invalid range");
			expect(typeOf(range)).to.equal("NumberRange");
		});
	});

	describe("NumberSequence and ColorSequence", () => {
		it("build keypoints from one or two values, or from a keypoint list", () => {
			const fade = new NumberSequence(0, 1);
			expect(fade.Keypoints.size()).to.equal(2);
			expect(fade.Keypoints[0].Time).to.equal(0);
			expect(fade.Keypoints[1].Value).to.equal(1);
			expect(new NumberSequence(0.5).Keypoints[1].Value).to.equal(0.5);
			const custom = new NumberSequence([
				new NumberSequenceKeypoint(0, 1),
				new NumberSequenceKeypoint(0.5, 0, 0.2),
				new NumberSequenceKeypoint(1, 1),
			]);
			expect(custom.Keypoints[1].Envelope).to.be.near(0.2, 1e-6);
			const colors = new ColorSequence(new Color3(1, 0, 0), new Color3(0, 0, 1));
			expect(colors.Keypoints[1].Value).to.equal(new Color3(0, 0, 1));
			expect(new ColorSequence(new Color3(1, 1, 1)).Keypoints.size()).to.equal(2);
			expect(typeOf(colors)).to.equal("ColorSequence");
			expect(fade === new NumberSequence(0, 1)).to.equal(true);
		});

		it("rejects keypoint lists that do not start at 0 and end at 1", () => {
			expectError(
				() => new NumberSequence([new NumberSequenceKeypoint(0.5, 1), new NumberSequenceKeypoint(1, 1)]),
				"start at 0",
			);
			expectError(
				() =>
					new ColorSequence([
						new ColorSequenceKeypoint(0, new Color3()),
						new ColorSequenceKeypoint(0.5, new Color3()),
					]),
				"end at 1",
			);
		});
	});

	describe("Ray, TweenInfo and Region3", () => {
		it("Ray has a unit form, the closest point and the distance to a point", () => {
			const ray = new Ray(Vector3.zero, new Vector3(0, 0, -10));
			expect(ray.Unit.Direction).to.equal(new Vector3(0, 0, -1));
			expect(ray.ClosestPoint(new Vector3(5, 0, -5))).to.equal(new Vector3(0, 0, -5));
			expect(ray.Distance(new Vector3(5, 0, -5))).to.equal(5);
			expect(ray.ClosestPoint(new Vector3(0, 0, 5))).to.equal(Vector3.zero);
		});

		it("TweenInfo has the documented defaults", () => {
			const info = new TweenInfo();
			expect(info.Time).to.equal(1);
			expect(info.EasingStyle).to.equal(Enum.EasingStyle.Quad);
			expect(info.EasingDirection).to.equal(Enum.EasingDirection.Out);
			expect(info.RepeatCount).to.equal(0);
			expect(info.Reverses).to.equal(false);
			expect(info.DelayTime).to.equal(0);
			const custom = new TweenInfo(2, Enum.EasingStyle.Linear, Enum.EasingDirection.In, 3, true, 0.5);
			expect(custom.RepeatCount).to.equal(3);
			expect(custom.Reverses).to.equal(true);
			expect(typeOf(custom)).to.equal("TweenInfo");
		});

		it("Region3 has a center CFrame and a size, and expands to a grid", () => {
			const region = new Region3(new Vector3(0, 0, 0), new Vector3(4, 6, 8));
			expect(region.Size).to.equal(new Vector3(4, 6, 8));
			expect(region.CFrame.Position).to.equal(new Vector3(2, 3, 4));
			const grown = new Region3(new Vector3(1, 1, 1), new Vector3(5, 5, 5)).ExpandToGrid(4);
			expect(grown.Size).to.equal(new Vector3(8, 8, 8));
		});
	});
	describe("what the runtime does not emulate", () => {
		it("says so for a datatype it lacks, or a member of one it has", () => {
			expectError(
				() => new Font("rbxasset://fonts/families/Arial.json"),
				"rbxts-runtime does not emulate Font.new",
			);
			expectError(() => new Vector3int16(1, 2, 3), "rbxts-runtime does not emulate Vector3int16.new");
			expectError(() => new RaycastParams(), "rbxts-runtime does not emulate RaycastParams.new");
			expectError(
				() => DateTime.now().FormatUniversalTime("LL", "en-us"),
				"rbxts-runtime does not emulate DateTime.FormatUniversalTime",
			);
		});
	});

	describe("Random", () => {
		it("draws unit vectors and shuffles a list in place, repeatably from a seed", () => {
			const a = new Random(42);
			const b = new Random(42);
			const v = a.NextUnitVector();
			expect(v.Magnitude).to.be.near(1, 1e-5);
			expect(b.NextUnitVector()).to.equal(v);
			const list = [1, 2, 3, 4, 5, 6, 7, 8];
			a.Shuffle(list);
			expect(list.size()).to.equal(8);
			expect([...list].sort((x, y) => x < y).join(",")).to.equal("1,2,3,4,5,6,7,8");
			const again = [1, 2, 3, 4, 5, 6, 7, 8];
			b.Shuffle(again);
			expect(again.join(",")).to.equal(list.join(","));
		});
	});
};
