"""swagger_check.py: a small Swagger 2.0 instance validator for test_sandbox.sh.
Checks $ref, type, required, enum, items, properties; strict: members not in
`properties` are errors (unless additionalProperties is given)."""
import json, sys

class V:
    def __init__(self, model):
        self.m = json.load(open(model))
        self.defs = self.m.get("definitions", {})

    def resolve(self, s):
        while "$ref" in s:
            s = self.defs[s["$ref"].split("/")[-1]]
        return s

    def check(self, x, s, path="$", errs=None):
        errs = [] if errs is None else errs
        s = self.resolve(s)
        t = s.get("type")
        ok = {"object": lambda v: isinstance(v, dict), "array": lambda v: isinstance(v, list),
              "string": lambda v: isinstance(v, str),
              "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
              "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
              "boolean": lambda v: isinstance(v, bool)}
        if t is None and "properties" in s:
            t = "object"
        if t and not ok[t](x):
            errs.append("%s: %r is not %s" % (path, x, t)); return errs
        if "enum" in s and x not in s["enum"]:
            errs.append("%s: %r not in enum" % (path, x))
        if t == "object":
            props = s.get("properties", {})
            for r in s.get("required", []):
                if r not in x: errs.append("%s: missing %s" % (path, r))
            for k, v in x.items():
                if k in props: self.check(v, props[k], path + "." + k, errs)
                elif "additionalProperties" in s:
                    ap = s["additionalProperties"]
                    if isinstance(ap, dict): self.check(v, ap, path + "." + k, errs)
                else: errs.append("%s: unknown member %s" % (path, k))
        if t == "array":
            for i, v in enumerate(x): self.check(v, s.get("items", {}), "%s[%d]" % (path, i), errs)
        return errs

    def response_schema(self, method, path, status):
        return self.m["paths"][path][method.lower()]["responses"][str(status)]["schema"]

if __name__ == "__main__":
    # swagger_check.py MODEL METHOD PATH STATUS FILE: validate FILE's JSON; print errors
    v = V(sys.argv[1])
    e = v.check(json.load(open(sys.argv[5])), v.response_schema(sys.argv[2], sys.argv[3], sys.argv[4]))
    print("\n".join(e)); sys.exit(1 if e else 0)
