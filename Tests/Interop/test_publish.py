"""`apphost publish --bicep` for the whole application, checked with third-party tools: every
Bicep file parsed by pycep-parser and each resource body checked against the Azure SDK for
Python's model of its type; module parameters matched between main.bicep and each module;
each project identity's roles against the model; checkov over the output; each generated
Dockerfile parsed by dockerfile-parse and its command run the way the image runs it.

The Bicep compiler and Azure itself cannot run here; what they would check beyond this is listed
in the README."""
import json
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser
from pycep import BicepParser

import azure_models
from conftest import REPOSITORY, apphost_binary, free_port

FIXTURE = REPOSITORY / "Tests" / "Fixtures" / "publish" / "whole-application"

# Each case: the files to copy (source → path in the copy) and the model's path in the copy.
CASES = {
    "whole-application": ({FIXTURE / "apphost.yaml": "apphost.yaml", FIXTURE / "services": "services"}, "apphost.yaml"),
    "serverless-chat": ({REPOSITORY / "templates" / "serverless-chat": "."}, "apphost.yaml"),
    "serverless-notifications": ({REPOSITORY / "templates" / "serverless-notifications": "."}, "apphost.yaml"),
    "sample": ({REPOSITORY / "apphost.yaml": "apphost.yaml",
                REPOSITORY / "templates" / "serverless-chat" / "api": "templates/serverless-chat/api"}, "apphost.yaml"),
}

ROLE_IDS = {  # Azure's built-in SignalR roles (learn.microsoft.com, "Azure built-in roles")
    "signalrappserver": "420fcaa2-552c-430f-98ca-3264be4806c7",
    "signalrrestapiowner": "fd53cd77-2268-407a-8f46-7e7863d0f521",
    "signalrrestapireader": "ddde6b66-c0df-4114-a159-3618637b3035",
    "signalrserviceowner": "7e4f1700-ea5a-4f59-8f37-079cfe29dce3",
}

BASE_IMAGES = {"python:3.12-slim", "node:22-slim"}


@pytest.fixture(scope="module", params=sorted(CASES))
def published(request, tmp_path_factory):
    """A copy of the case, published into its `infra` folder."""
    files, model = CASES[request.param]
    folder = tmp_path_factory.mktemp(request.param)
    for source, target in files.items():
        destination = folder / target
        if source.is_dir():
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, destination)
    result = subprocess.run([apphost_binary(), "publish", "--bicep", "-f", str(folder / model)],
                            cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "next: azd up" in result.stdout
    return folder


def parsed(path: Path) -> dict:
    return BicepParser().parse(file_path=path)


def model_of(folder: Path) -> dict:
    return yaml.safe_load((folder / "apphost.yaml").read_text())


def projects_of(folder: Path) -> dict:
    return {name: spec for name, spec in model_of(folder)["resources"].items() if spec["type"] == "project"}


def test_every_resource_body_matches_the_azure_sdk_model_of_its_type(published):
    files = sorted((published / "infra").rglob("*.bicep"))
    assert files
    problems = {str(path.relative_to(published)): azure_models.check_document(parsed(path)) for path in files}
    assert {path: found for path, found in problems.items() if found} == {}


def test_the_model_check_refuses_unknown_wrongly_typed_read_only_and_missing_properties(published):
    app = next(name for name, spec in projects_of(published).items() if "port" in spec)
    document = parsed(published / "infra" / app / f"{app}.bicep")
    config = document["resources"][app.replace("-", "_")]["config"]
    config["properties"]["configuration"]["ingress"]["targetPort"] = "8080"
    config["properties"]["configuration"]["ingress"]["transport"] = "carrier-pigeon"
    config["properties"]["configuration"]["ingres"] = {}
    config["properties"]["provisioningState"] = "Succeeded"
    del config["location"]
    problems = "\n".join(azure_models.check_document(document))
    assert "targetPort: an integer, not str" in problems
    assert "'carrier-pigeon' is not one of" in problems
    assert "configuration.ingres: Configuration has no property 'ingres'" in problems
    assert "provisioningState: read-only" in problems
    assert "requires 'location'" in problems


def test_main_bicep_passes_every_module_exactly_its_parameters(published):
    infra = published / "infra"
    main = parsed(infra / "main.bicep")
    for name, module in main["modules"].items():
        declared = parsed(infra / module["detail"]["path"])["parameters"]
        passed = set((module["config"].get("params") or {}).keys())
        required = {key for key, spec in declared.items() if "default" not in spec}
        assert passed <= set(declared), f"{name} passes parameters its module does not declare: {passed - set(declared)}"
        assert required <= passed, f"{name} leaves required parameters unset: {required - passed}"


def test_each_project_identity_holds_exactly_the_roles_of_the_model(published):
    infra = published / "infra"
    main = parsed(infra / "main.bicep")
    resources = model_of(published)["resources"]
    for project, spec in projects_of(published).items():
        expected = {}
        for reference in spec.get("references", []):
            reference = reference if isinstance(reference, dict) else {"resource": reference}
            target = resources[reference["resource"]]
            if target["type"] != "signalr":
                continue
            roles = reference.get("roles") or (["SignalRAppServer", "SignalRRestApiOwner"] if target.get("mode") == "Serverless"
                                                else ["SignalRAppServer"])
            expected[reference["resource"]] = {ROLE_IDS[role.replace(" ", "").lower()] for role in roles}
        granted = {}
        identity = project.replace("-", "_") + "_identity"
        for module in main["modules"].values():
            params = module["config"].get("params") or {}
            principal = json.dumps(params.get("principalId"))
            if f'"{identity}"' not in principal:
                continue
            roles_file = parsed(infra / module["detail"]["path"])
            signalr = next(key for key in params if key.endswith("_outputs_name"))[: -len("_outputs_name")]
            ids = set()
            for resource in roles_file["resources"].values():
                if resource["type"] == "Microsoft.Authorization/roleAssignments":
                    definition = resource["config"]["properties"]["roleDefinitionId"]["function"]["parameters"]
                    ids.add(definition["resource_name_1"])
                    assert resource["config"]["properties"]["principalType"] == "principalType"
            assert params["principalType"] == "ServicePrincipal"
            granted[signalr.replace("_", "-")] = ids
        assert granted == expected, project


def test_checkov_fails_no_check_the_readme_does_not_explain(published):
    checkov = REPOSITORY / ".build" / "checkov-venv" / "bin" / "checkov"
    command = [str(checkov), "-d", str(published / "infra"), "--framework", "bicep", "--skip-download", "--quiet", "-o", "json"]
    # No network: checkov may look for guidance online, and tests never leave this machine.
    if subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-rn"] + command
    result = subprocess.run(command, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CKV_NO_UPDATE_CHECK": "TRUE"})
    report = json.loads(result.stdout)
    report = report if isinstance(report, list) else [report]
    failed = {check["check_id"] for part in report for check in part["results"]["failed_checks"]}
    assert sum(part["summary"]["passed"] for part in report) > 0, "checkov checked nothing"
    readme = (REPOSITORY / "README.md").read_text()
    assert {check for check in failed if check not in readme} == set()


def deployed_environment(folder: Path, project: str) -> dict:
    """What the container app gives `project` (`apphost env --publish`), with each deployment
    placeholder replaced by a stand-in on this machine: hosts by a closed loopback port, ids by
    fixed GUIDs, secrets by a fixed text."""
    result = subprocess.run([apphost_binary(), "env", project, "--publish", "--format", "json"],
                            cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

    def stand_in(match):
        inside = match.group(1)
        if inside.endswith("outputs.hostName") or inside.endswith("DEFAULT_DOMAIN"):
            return "127.0.0.1:9"
        if inside.endswith(".value"):
            return "a-secret-set-with-azd-env-set"
        return "00000000-0000-4000-8000-000000000001"

    variables = json.loads(result.stdout)[project]
    return {name: re.sub(r"\{([^{}]+)\}", stand_in, value) for name, value in variables.items()}


def health(process: subprocess.Popen, url: str, attempts: int = 200):
    """The status of `url` once the process answers it; None if the process exits first or
    does not answer within the attempts. Between attempts it waits on the process itself, so
    an exit is seen at once."""
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return response.status
        except OSError:
            try:
                process.wait(timeout=0.05)
                return None
            except subprocess.TimeoutExpired:
                continue
    return None


def test_generated_dockerfiles_build_from_a_slim_image_as_a_non_root_user_and_run_to_the_health_check(published):
    projects = projects_of(published)
    generated = [path for path in (published / "infra").glob("*/Dockerfile")]
    assert {path.parent.name for path in generated} == {name for name, spec in projects.items()
                                                       if "image" not in spec and "dockerfile" not in spec}
    for dockerfile in generated:
        project = dockerfile.parent.name
        spec = projects[project]
        parser = DockerfileParser(path=str(dockerfile))
        instructions = [(item["instruction"], item["value"]) for item in parser.structure]
        assert parser.baseimage in BASE_IMAGES
        users = [value for instruction, value in instructions if instruction == "USER"]
        assert users and users[-1] not in ("root", "0")
        folder = published / spec.get("workingDirectory", ".")
        for dependency in ("requirements.txt", "package.json"):
            if (folder / dependency).exists():
                assert any(instruction == "COPY" and dependency in value for instruction, value in instructions)
        exposed = [int(value) for instruction, value in instructions if instruction == "EXPOSE"]
        assert exposed == [spec["port"] or 8080]
        command = json.loads(next(value for instruction, value in instructions if instruction == "CMD"))
        assert command == spec["command"].split()
        # As the image runs it: its ENV, then what the container app sets; only the address and
        # port change, so the test listens on loopback and on a free port.
        port = free_port()
        environment = {"PATH": os.environ["PATH"], **parser.envs, **deployed_environment(published, project),
                       "HOST": "127.0.0.1", "PORT": str(port)}
        process = subprocess.Popen(command, cwd=folder, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            status = health(process, f"http://127.0.0.1:{port}{spec.get('healthCheck', '/')}")
            assert status == 200, f"{project}: exited {process.poll()}: {process.stdout.read() if process.poll() is not None else ''}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_azure_yaml_names_every_project_for_container_apps(published):
    azure = yaml.safe_load((published / "azure.yaml").read_text())
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", azure["name"])
    assert azure["infra"] == {"provider": "bicep", "path": "infra"}
    assert (published / azure["infra"]["path"] / "main.bicep").exists()
    projects = projects_of(published)
    assert set(azure["services"]) == set(projects)
    for name, service in azure["services"].items():
        assert service["host"] == "containerapp"
        folder = published / service["project"]
        assert folder.resolve() == (published / projects[name].get("workingDirectory", ".")).resolve()
        if "image" in projects[name]:
            assert service["image"] == projects[name]["image"] and "docker" not in service
        else:
            assert (folder / service["docker"]["path"]).is_file()


def test_each_container_app_receives_exactly_what_env_publish_shows(published):
    infra = published / "infra"
    for project in projects_of(published):
        result = subprocess.run([apphost_binary(), "env", project, "--publish", "--format", "json"],
                                cwd=published, capture_output=True, text=True, timeout=60)
        shown = json.loads(result.stdout)[project]
        app = parsed(infra / project / f"{project}.bicep")["resources"][project.replace("-", "_")]["config"]
        container = app["properties"]["template"]["containers"][0]
        assert [variable["name"] for variable in container["env"]] == list(shown)
        secrets = {secret["name"] for secret in app["properties"]["configuration"].get("secrets", [])}
        for variable in container["env"]:
            if "secretRef" in variable:
                assert variable["secretRef"] in secrets and shown[variable["name"]].endswith(".value}")
            else:
                assert "value" in variable
        assert app["tags"]["'azd-service-name'"] == project
