"""Checks the body of a Bicep resource, as pycep-parser reads it, against the Azure SDK for
Python's own model of that resource type: every property must be one the model knows, of the
type it declares, not read-only, with every required one present, and enum values among the
model's. Written from the SDK's published models, independently of apphost's code."""
import importlib
import inspect
import re

# Each resource type apphost writes, at the API version it writes, and the SDK model of its body.
# Where the SDK has no module for that exact version, the nearest one is used (see the README).
MODELS = {
    "Microsoft.App/managedEnvironments": ("2025-01-01", "azure.mgmt.appcontainers.models", "ManagedEnvironment"),
    "Microsoft.App/containerApps": ("2025-01-01", "azure.mgmt.appcontainers.models", "ContainerApp"),
    "Microsoft.ContainerRegistry/registries": ("2025-04-01", "azure.mgmt.containerregistry.v2025_04_01.models", "Registry"),
    "Microsoft.ManagedIdentity/userAssignedIdentities": ("2024-11-30", "azure.mgmt.msi.v2024_11_30.models", "Identity"),
    "Microsoft.OperationalInsights/workspaces": ("2025-02-01", "azure.mgmt.loganalytics.models", "Workspace"),
    "Microsoft.Authorization/roleAssignments": ("2022-04-01", "azure.mgmt.authorization.v2022_04_01.models", "RoleAssignmentCreateParameters"),
    "Microsoft.SignalRService/signalR": ("2024-03-01", "azure.mgmt.signalr.models", "SignalRResource"),
    "Microsoft.Resources/resourceGroups": ("2022-09-01", "azure.mgmt.resource.resources.v2022_09_01.models", "ResourceGroup"),
}

# Bicep's own keywords in a resource body: not properties of the resource.
BICEP_KEYWORDS = {"scope", "dependsOn", "parent"}

TEXT_TYPES = {"str", "iso-8601", "duration", "date", "base64", "rfc-1123", "unix-time"}


def is_expression(value) -> bool:
    """A value Bicep computes at deployment (a function call, an operator)."""
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("operator", "function")


def split_key(key: str) -> tuple:
    """An attribute map key (`properties.configuration`, with `\\.` for a literal dot) as a path."""
    return tuple(part.replace("\\.", ".") for part in re.split(r"(?<!\\)\.", key))


class Checker:
    """Collects the problems of the resources of one Bicep file."""

    def __init__(self, symbols: set):
        # The file's parameters, variables and resources: a bare name in pycep's output is a
        # reference to one of them, not a string literal.
        self.symbols = symbols
        self.problems: list[str] = []

    def resource(self, name: str, resource: dict) -> None:
        type_ = resource["type"]
        if type_ not in MODELS:
            self.problems.append(f"{name}: resource type {type_} has no Azure model to check it against")
            return
        version, module, class_name = MODELS[type_]
        if resource["api_version"] != version:
            self.problems.append(f"{name}: {type_}@{resource['api_version']}, expected @{version}")
        models = importlib.import_module(module)
        body = {key: value for key, value in resource["config"].items() if key not in BICEP_KEYWORDS and key != "name"}
        if resource.get("existing"):
            return
        self.model(body, getattr(models, class_name), models, f"{name}")

    def model(self, body: dict, cls, models, where: str, prefix: tuple = ()) -> None:
        attributes = [(attr, split_key(info["key"]), info["type"]) for attr, info in cls._attribute_map.items()]
        validation = getattr(cls, "_validation", {}) or {}
        for key, value in body.items():
            path = prefix + (key,)
            exact = [entry for entry in attributes if entry[1] == path]
            here = f"{where}.{key}"
            if exact:
                attr, _, type_name = exact[0]
                if validation.get(attr, {}).get("readonly"):
                    self.problems.append(f"{here}: read-only in {cls.__name__}")
                self.value(value, type_name, models, here, self.enum_of(cls, attr, models))
            elif any(entry[1][: len(path)] == path for entry in attributes):
                if is_expression(value):
                    continue
                if not isinstance(value, dict):
                    self.problems.append(f"{here}: an object in {cls.__name__}, not {type(value).__name__}")
                    continue
                self.model(value, cls, models, here, path)
            else:
                self.problems.append(f"{here}: {cls.__name__} has no property '{'.'.join(path)}'")
        if prefix:
            return
        for attr, rules in validation.items():
            if not rules.get("required"):
                continue
            path = next(entry[1] for entry in attributes if entry[0] == attr)
            node = body
            for part in path:
                node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                self.problems.append(f"{where}: {cls.__name__} requires '{'.'.join(path)}'")

    def value(self, value, type_name: str, models, where: str, enum=None) -> None:
        if is_expression(value):
            operator = value.get("operator") or {}
            if operator.get("type") == "conditional":
                operands = operator["operands"]
                self.value(operands["true_value"], type_name, models, where + "?", enum)
                self.value(operands["false_value"], type_name, models, where + ":", enum)
            return
        if isinstance(value, str) and value in self.symbols:
            return  # a parameter or variable: typed where it is declared
        if type_name.startswith("["):
            if not isinstance(value, list):
                self.problems.append(f"{where}: a list, not {type(value).__name__}")
                return
            for index, item in enumerate(value):
                self.value(item, type_name[1:-1], models, f"{where}[{index}]")
        elif type_name.startswith("{"):
            if not isinstance(value, dict):
                self.problems.append(f"{where}: a map, not {type(value).__name__}")
                return
            for key, item in value.items():
                self.value(item, type_name[1:-1], models, f"{where}[{key}]")
        elif type_name in TEXT_TYPES:
            if not isinstance(value, str):
                self.problems.append(f"{where}: a string, not {type(value).__name__} {value!r}")
            elif enum is not None and "${" not in value and value.lower() not in enum:
                self.problems.append(f"{where}: {value!r} is not one of {sorted(enum)}")
        elif type_name in ("int", "long"):
            if not isinstance(value, int) or isinstance(value, bool):
                self.problems.append(f"{where}: an integer, not {type(value).__name__} {value!r}")
        elif type_name == "float":
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                self.problems.append(f"{where}: a number, not {value!r}")
        elif type_name == "bool":
            if not isinstance(value, bool):
                self.problems.append(f"{where}: a boolean, not {type(value).__name__} {value!r}")
        elif type_name == "object":
            return
        else:
            cls = getattr(models, type_name, None)
            if cls is None:
                self.problems.append(f"{where}: unknown model type {type_name}")
            elif isinstance(value, dict):
                self.model(value, cls, models, where)
            else:
                self.problems.append(f"{where}: a {type_name} object, not {value!r}")

    @staticmethod
    def enum_of(cls, attr: str, models):
        """The lower-cased values of the enum the SDK declares for `attr`, if it declares one."""
        try:
            annotation = str(inspect.signature(cls.__init__).parameters[attr].annotation)
        except (KeyError, ValueError):
            return None
        match = re.search(r"_models\.(\w+)", annotation)
        enum = getattr(models, match.group(1), None) if match else None
        if enum is None or not hasattr(enum, "__members__"):
            return None
        return {member.value.lower() for member in enum}


def symbols_of(document: dict) -> set:
    """Every name a Bicep file declares."""
    names = set()
    for section in ("parameters", "variables", "resources", "modules"):
        names.update((document.get(section) or {}).keys())
    return names


def check_document(document: dict) -> list[str]:
    """The problems of every resource of one parsed Bicep file."""
    checker = Checker(symbols_of(document))
    for name, resource in (document.get("resources") or {}).items():
        checker.resource(name, resource)
    return checker.problems
