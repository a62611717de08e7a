import { expectError } from "../Expect";

/** Expects `v` to equal (x, y, z) within a 32-bit float's rounding. */
function expectVector(v: Vector3, x: number, y: number, z: number) {
	if (!v.FuzzyEq(new Vector3(x, y, z), 1e-5)) error(`expected ${x}, ${y}, ${z}, got ${tostring(v)}`, 2);
}

export = () => {
	describe("Vector3", () => {
		it("constructs with components defaulting to 0, and has the documented constants", () => {
			const v = new Vector3(1, 2, 3);
			expect(v.X).to.equal(1);
			expect(v.Y).to.equal(2);
			expect(v.Z).to.equal(3);
			expect(new Vector3()).to.equal(Vector3.zero);
			expect(new Vector3(5)).to.equal(new Vector3(5, 0, 0));
			expect(Vector3.one).to.equal(new Vector3(1, 1, 1));
			expect(Vector3.xAxis).to.equal(new Vector3(1, 0, 0));
			expect(Vector3.yAxis).to.equal(new Vector3(0, 1, 0));
			expect(Vector3.zAxis).to.equal(new Vector3(0, 0, 1));
			expect(Vector3.FromNormalId(Enum.NormalId.Front)).to.equal(new Vector3(0, 0, -1));
			expect(Vector3.FromAxis(Enum.Axis.Y)).to.equal(Vector3.yAxis);
		});

		it("stores components as 32-bit floats, as Roblox does", () => {
			const v = new Vector3(0.1, 0, 0);
			expect(v.X).never.to.equal(0.1);
			expect(v.X).to.be.near(0.1, 1e-7);
			expect(tostring(v)).to.equal("0.100000001, 0, 0");
		});

		it("does arithmetic with vectors and numbers", () => {
			const a = new Vector3(1, 2, 3);
			const b = new Vector3(4, 5, 6);
			expect(a.add(b)).to.equal(new Vector3(5, 7, 9));
			expect(b.sub(a)).to.equal(new Vector3(3, 3, 3));
			expect(a.mul(b)).to.equal(new Vector3(4, 10, 18));
			expect(a.mul(2)).to.equal(new Vector3(2, 4, 6));
			expect(b.div(2)).to.equal(new Vector3(2, 2.5, 3));
			expect(b.div(a)).to.equal(new Vector3(4, 2.5, 2));
			expect(b.idiv(4)).to.equal(new Vector3(1, 1, 1));
		});

		it("has Magnitude, Unit, Dot, Cross, Lerp and Angle", () => {
			const v = new Vector3(3, 4, 0);
			expect(v.Magnitude).to.equal(5);
			expectVector(v.Unit, 0.6, 0.8, 0);
			expect(v.Dot(new Vector3(1, 1, 1))).to.equal(7);
			expect(Vector3.xAxis.Cross(Vector3.yAxis)).to.equal(Vector3.zAxis);
			expect(Vector3.zero.Lerp(new Vector3(10, 20, 30), 0.5)).to.equal(new Vector3(5, 10, 15));
			expect(Vector3.xAxis.Angle(Vector3.yAxis)).to.be.near(math.pi / 2, 1e-6);
			expect(Vector3.xAxis.Angle(Vector3.yAxis, Vector3.zAxis.mul(-1))).to.be.near(-math.pi / 2, 1e-6);
		});

		it("has Min, Max, Abs, Floor, Ceil and Sign by component", () => {
			const a = new Vector3(-1.5, 2.5, 3);
			const b = new Vector3(1, -2, 4);
			expect(a.Min(b)).to.equal(new Vector3(-1.5, -2, 3));
			expect(a.Max(b)).to.equal(new Vector3(1, 2.5, 4));
			expect(a.Abs()).to.equal(new Vector3(1.5, 2.5, 3));
			expect(a.Floor()).to.equal(new Vector3(-2, 2, 3));
			expect(a.Ceil()).to.equal(new Vector3(-1, 3, 3));
			expect(a.Sign()).to.equal(new Vector3(-1, 1, 1));
		});

		it("compares fuzzily with a default epsilon of 1e-5 (the reference page's example)", () => {
			const a = new Vector3(1, 2, 3);
			const b = new Vector3(1.000001, 2, 3);
			expect(a.FuzzyEq(b)).to.equal(true);
			expect(a.FuzzyEq(b, 1e-8)).to.equal(false);
		});

		it("compares by value, prints its components, reports its type, and is immutable", () => {
			expect(new Vector3(1, 2, 3) === new Vector3(1, 2, 3)).to.equal(true);
			expect(new Vector3(1, 2, 3) === new Vector3(1, 2, 4)).to.equal(false);
			expect((Vector3.zero as unknown) === (CFrame.identity as unknown)).to.equal(false);
			expect(tostring(new Vector3(1, -2, 3.5))).to.equal("1, -2, 3.5");
			expect(typeOf(Vector3.one)).to.equal("Vector3");
			expect(typeIs(Vector3.one, "Vector3")).to.equal(true);
			expectError(() => ((Vector3.one as unknown as { X: number }).X = 5), "X cannot be assigned to");
			expectError(
				() => (Vector3.one as unknown as { Nope: number }).Nope,
				"Nope is not a valid member of Vector3",
			);
		});
	});

	describe("Vector2", () => {
		it("has components, constants, arithmetic and the vector methods", () => {
			const v = new Vector2(3, 4);
			expect(v.X).to.equal(3);
			expect(v.Y).to.equal(4);
			expect(v.Magnitude).to.equal(5);
			expect(new Vector2()).to.equal(Vector2.zero);
			expect(Vector2.one).to.equal(new Vector2(1, 1));
			expect(v.add(Vector2.one)).to.equal(new Vector2(4, 5));
			expect(v.sub(Vector2.one)).to.equal(new Vector2(2, 3));
			expect(v.mul(2)).to.equal(new Vector2(6, 8));
			expect(v.div(new Vector2(3, 2))).to.equal(new Vector2(1, 2));
			expect(v.Dot(new Vector2(1, 1))).to.equal(7);
			expect(Vector2.xAxis.Cross(Vector2.yAxis)).to.equal(1);
			expect(Vector2.zero.Lerp(v, 0.5)).to.equal(new Vector2(1.5, 2));
			expect(v.Min(new Vector2(5, 1))).to.equal(new Vector2(3, 1));
			expect(v.Max(new Vector2(5, 1))).to.equal(new Vector2(5, 4));
			expect(tostring(v)).to.equal("3, 4");
			expect(typeOf(v)).to.equal("Vector2");
			expect(v.Unit.sub(new Vector2(0.6, 0.8)).Magnitude).to.be.near(0, 1e-6);
		});
	});
};
