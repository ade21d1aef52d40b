"""deploy/k8s: every overlay renders, validates against the Kubernetes schemas, and holds to the
rules a ministry's cluster enforces (probes, limits, non-root, pinned images, no inline secrets,
network isolation); its configuration is settings ecopermit accepts."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from ecopermit.runtime.settings import ServiceName, Settings
from tests.k8s_manifests import (
    DEPLOY,
    OVERLAYS,
    Manifest,
    Peer,
    connection_allowed,
    named,
    of_kind,
    pinned,
    render,
    selects,
    workloads,
)

KUBERNETES_VERSION = "1.37.0"
SERVICES = [s.value for s in ServiceName]
COMPONENTS = [*SERVICES, "worker", "gateway"]
RECOMMENDED_LABELS = ("app.kubernetes.io/name", "app.kubernetes.io/component")
PART_OF = {"app.kubernetes.io/part-of": "ecopermit"}
# Environment variables whose value must come from a Secret, never written in a manifest.
SECRET_LOOKING = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE|DATABASE_URL|DSN", re.IGNORECASE)

every_overlay = pytest.mark.parametrize("overlay", OVERLAYS)


def namespace_of(objects: tuple[Manifest, ...]) -> str:
    (namespace,) = of_kind(objects, "Namespace")
    name: str = namespace["metadata"]["name"]
    return name


@every_overlay
def test_every_object_validates_strictly_against_the_kubernetes_schemas(overlay: str) -> None:
    objects = render(overlay)
    assert {o["kind"] for o in objects} >= {
        "Deployment",
        "Service",
        "ServiceAccount",
        "Job",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
        "ConfigMap",
    }
    for manifest in objects:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    # Strict means strict: a misspelt field in any of them is refused.
    misspelt = copy.deepcopy(of_kind(objects, "Deployment")[0])
    misspelt["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(misspelt, KUBERNETES_VERSION, strict=True)


@every_overlay
def test_every_workload_is_probed_limited_unprivileged_and_pinned(overlay: str) -> None:
    problems: list[str] = []
    for workload in workloads(render(overlay)):
        pod_security = workload.pod.get("securityContext", {})
        if workload.pod.get("automountServiceAccountToken") is not False:
            problems.append(f"{workload.name}: mounts a service-account token it never uses")
        for container in workload.containers:
            where = f"{workload.name} container {container['name']}"
            security = {**pod_security, **container.get("securityContext", {})}
            if not workload.runs_to_completion:
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problems.append(f"{where}: no {probe}")
            resources = container.get("resources", {})
            for bound in ("requests", "limits"):
                if set(resources.get(bound, {})) < {"cpu", "memory"}:
                    problems.append(f"{where}: {bound} lack cpu or memory")
            if security.get("runAsNonRoot") is not True or security.get("runAsUser") == 0:
                problems.append(f"{where}: may run as root")
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: writable root filesystem")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: privilege escalation allowed")
            if security.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: capabilities not all dropped")
            if security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
                problems.append(f"{where}: no RuntimeDefault seccomp profile")
            if not pinned(container["image"]):
                problems.append(f"{where}: image {container['image']} has no pinned tag")
            for variable in container.get("env", []):
                if "value" in variable and SECRET_LOOKING.search(variable["name"]):
                    problems.append(f"{where}: {variable['name']} written inline")
    assert problems == []


@every_overlay
def test_no_secret_is_written_in_the_manifests(overlay: str) -> None:
    objects = render(overlay)
    assert of_kind(objects, "Secret") == [], "Secrets are created apart (README), never rendered"
    for config_map in of_kind(objects, "ConfigMap"):
        for key, value in config_map.get("data", {}).items():
            assert not SECRET_LOOKING.search(key), f"{key} in ConfigMap {config_map['metadata']}"
            assert not re.search(r"://[^/@\s]+:[^/@\s]+@", value), f"credentials in {key}"


@every_overlay
def test_every_workload_carries_the_recommended_labels(overlay: str) -> None:
    for workload in workloads(render(overlay)):
        for labels in (workload.manifest["metadata"]["labels"], workload.pod_labels):
            assert set(labels) >= set(RECOMMENDED_LABELS), workload.name
            assert labels.items() >= PART_OF.items(), workload.name


@every_overlay
def test_the_namespace_denies_by_default_and_every_workload_has_its_own_policy(
    overlay: str,
) -> None:
    policies = of_kind(render(overlay), "NetworkPolicy")
    everything = [p for p in policies if p["spec"]["podSelector"] == {}]
    assert any(
        set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in everything
    ), "no default-deny policy"
    for workload in workloads(render(overlay)):
        own = [
            p
            for p in policies
            if p["spec"]["podSelector"] and selects(p["spec"]["podSelector"], workload.pod_labels)
        ]
        assert own, f"{workload.name} is governed only by the namespace-wide policies"


@every_overlay
def test_only_the_gateway_is_reachable_and_services_only_from_gateway_and_worker(
    overlay: str,
) -> None:
    objects = render(overlay)
    namespace = namespace_of(objects)
    policies = of_kind(objects, "NetworkPolicy")
    here = {"kubernetes.io/metadata.name": namespace}
    pods = {w.manifest["metadata"]["name"]: Peer(w.pod_labels, here) for w in workloads(objects)}
    outsider = Peer({"app": "anything"}, {"kubernetes.io/metadata.name": "elsewhere"})
    stranger_here = Peer({"app": "anything"}, here)
    ports = {"applicants": 50051, "reviews": 50052, "inspections": 50053}

    def allowed(source: Peer, destination: str, port: int) -> bool:
        return connection_allowed(policies, source, pods[destination], port, namespace)

    assert allowed(outsider, "gateway", 8080)
    assert not allowed(outsider, "worker", 50054)
    for service, port in ports.items():
        assert not allowed(outsider, service, port), service
        assert not allowed(stranger_here, service, port), service
        assert allowed(pods["gateway"], service, port), service
        assert allowed(pods["worker"], service, port), service
        for other, other_port in ports.items():
            if other != service:
                assert not allowed(pods[service], other, other_port), (service, other)
    if "postgresql" in pods:  # the dev overlay's own database
        for service in ports:
            assert allowed(pods[service], "postgresql", 5432)
            assert allowed(pods[f"{service}-migrate"], "postgresql", 5432)
        for stranger in (pods["gateway"], pods["worker"], outsider):
            assert not allowed(stranger, "postgresql", 5432)
        temporal = Peer(
            {"app.kubernetes.io/name": "temporal"}, {"kubernetes.io/metadata.name": "temporal"}
        )
        assert allowed(temporal, "postgresql", 5432)
    # Only the applicants service, which keeps the dossier, reaches the object store.
    object_store = Peer({"app": "s3"}, {"kubernetes.io/metadata.name": "storage"})
    for component in COMPONENTS:
        reaches_store = connection_allowed(policies, pods[component], object_store, 443, namespace)
        assert reaches_store == (component == "applicants"), component
    # Those that verify signatures fetch revocation (NCA RK's CRLs and OCSP, over HTTP).
    revocation = Peer({"app": "ocsp"}, {"kubernetes.io/metadata.name": "elsewhere"})
    for component in COMPONENTS:
        fetches = connection_allowed(policies, pods[component], revocation, 80, namespace)
        assert fetches == (component in ("applicants", "reviews")), component
    if "minio" in pods:  # the dev overlay's own store
        for component in COMPONENTS:
            assert allowed(pods[component], "minio", 9000) == (component == "applicants")
        assert allowed(pods["minio-bucket"], "minio", 9000)
        assert not allowed(stranger_here, "minio", 9000)
    for component in COMPONENTS:
        assert allowed(pods[component], "otel-collector", 4317), component
    assert not allowed(outsider, "otel-collector", 4317)
    # Out of the namespace: Temporal, cluster DNS, the collector's export.
    temporal = Peer(
        {"app.kubernetes.io/name": "temporal"}, {"kubernetes.io/metadata.name": "temporal"}
    )
    dns = Peer({"k8s-app": "kube-dns"}, {"kubernetes.io/metadata.name": "kube-system"})
    for component in ("worker", *ports):
        assert connection_allowed(policies, pods[component], temporal, 7233, namespace)
    for no_temporal in ("gateway", *(f"{s}-migrate" for s in ports)):
        assert not connection_allowed(policies, pods[no_temporal], temporal, 7233, namespace)
    for name, pod in pods.items():
        assert connection_allowed(policies, pod, dns, 53, namespace, "UDP"), name
    backend = Peer({"app": "tracing-backend"}, {"kubernetes.io/metadata.name": "observability"})
    assert connection_allowed(policies, pods["otel-collector"], backend, 4317, namespace)
    assert not connection_allowed(policies, pods["gateway"], backend, 5432, namespace)


@every_overlay
def test_each_component_has_its_service_account_service_probes_and_budget(overlay: str) -> None:
    objects = render(overlay)
    for component in COMPONENTS:
        deployment = named(objects, "Deployment", component)
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert named(objects, "ServiceAccount", pod["serviceAccountName"])
        container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        (service_port,) = named(objects, "Service", component)["spec"]["ports"]
        assert service_port["name"] in ("grpc", "http")
        assert service_port["targetPort"] in container_ports
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if component == "gateway":
                assert container[probe]["httpGet"]["path"] == "/healthz"
            else:  # gRPC health on the port the process serves
                assert container[probe]["grpc"]["port"] == container_ports["grpc"]
        budgets = [
            b
            for b in of_kind(objects, "PodDisruptionBudget")
            if selects(b["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"])
        ]
        assert len(budgets) == 1, component


@every_overlay
def test_services_route_only_to_their_own_deployment(overlay: str) -> None:
    objects = render(overlay)
    for service in of_kind(objects, "Service"):
        selected = [
            w.name
            for w in workloads(objects)
            if selects({"matchLabels": service["spec"]["selector"]}, w.pod_labels)
        ]
        assert len(selected) == 1, (service["metadata"]["name"], selected)
        assert not selected[0].startswith("Job/")


@every_overlay
def test_each_service_has_a_migration_job_on_its_own_database(overlay: str) -> None:
    objects = render(overlay)
    for service in SERVICES:
        job = named(objects, "Job", f"{service}-migrate")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["migrate", service]
        deployment = named(objects, "Deployment", service)
        (serving,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == serving["image"]
        database = f"ECOPERMIT_{service.upper()}_DATABASE_URL"
        (job_url,) = [v for v in container["env"] if v["name"] == database]
        (service_url,) = [v for v in serving["env"] if v["name"] == database]
        assert job_url == service_url
        others = [v["name"] for v in serving["env"] if v["name"].endswith("_DATABASE_URL")]
        assert others == [database], "a service sees another's database"


@every_overlay
def test_the_worker_and_gateway_scale_on_cpu(overlay: str) -> None:
    objects = render(overlay)
    scaled = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in of_kind(objects, "HorizontalPodAutoscaler")
    }
    assert set(scaled) == {"worker", "gateway"}
    for name, autoscaler in scaled.items():
        # The autoscaler owns the count: an apply that set replicas would reset it.
        assert "replicas" not in named(objects, "Deployment", name)["spec"], name
        assert autoscaler["spec"]["maxReplicas"] > autoscaler["spec"]["minReplicas"] >= 1
        (metric,) = autoscaler["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"


def environment_of(objects: tuple[Manifest, ...], container: Manifest) -> dict[str, str]:
    """What the container's process sees: its ConfigMaps, then its env (secrets as stand-ins)."""
    variables: dict[str, str] = {}
    for source in container.get("envFrom", []):
        config_map = named(objects, "ConfigMap", source["configMapRef"]["name"])
        variables.update(config_map["data"])
    for variable in container.get("env", []):
        variables[variable["name"]] = variable.get("value", "stand-in-secret-value-" + "x" * 32)
    return variables


@every_overlay
def test_every_process_gets_production_settings_ecopermit_accepts(
    overlay: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    objects = render(overlay)
    known = {f"ECOPERMIT_{name.upper()}" for name in Settings.model_fields}
    for workload in workloads(objects):
        if workload.manifest["metadata"]["labels"]["app.kubernetes.io/name"] != "ecopermit":
            continue
        (container,) = workload.pod["containers"]
        variables = environment_of(objects, container)
        ours = {k: v for k, v in variables.items() if k.startswith("ECOPERMIT_")}
        assert set(ours) <= known, f"{workload.name}: unknown {set(ours) - known}"
        with monkeypatch.context() as process_environment:
            for name in [n for n in os.environ if n.startswith("ECOPERMIT_")]:
                process_environment.delenv(name)
            for name, value in ours.items():
                process_environment.setenv(name, value)
            settings = Settings()
        assert settings.environment == "production"
        assert not settings.dev_sign_in
        assert not settings.auto_migrate
        assert settings.traces_exporter.value == "otlp_grpc"
        # A worker's memory stays under its limit however many applications are in flight.
        assert settings.worker_max_cached_workflows == 500
        # Peers and the collector are addressed by the Services this overlay defines.
        for service in ServiceName:
            # dns:/// names the headless Service, which resolves to every replica.
            address = settings.service_address(service)
            assert address.startswith("dns:///"), address
            host, _, port = address.removeprefix("dns:///").partition(":")
            assert named(objects, "Service", host)["spec"]["clusterIP"] == "None"
            (service_port,) = named(objects, "Service", host)["spec"]["ports"]
            assert service_port["port"] == int(port)
        collector = settings.otlp_endpoint.removeprefix("http://").partition(":")[0]
        assert named(objects, "Service", collector)
        # The services that verify signatures mount the trust store where settings read it.
        component = workload.manifest["metadata"]["labels"]["app.kubernetes.io/component"]
        if component in ("applicants", "reviews"):
            mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
            assert mounts[str(settings.signature_trust_path())]["readOnly"]
            assert str(settings.signature_crl_path()) in mounts
            assert settings.authority_bin or overlay == "prod"  # prod: set before deploying
        # Document bytes go to object storage, never to the pod's ephemeral disk.
        assert settings.document_store.value == "s3"
        assert settings.s3_bucket
        assert settings.s3_endpoint_url.startswith(("http://", "https://"))
        if overlay == "dev":
            store, _, port = settings.s3_endpoint_url.removeprefix("http://").partition(":")
            (store_port,) = named(objects, "Service", store)["spec"]["ports"]
            assert store_port["port"] == int(port)
            bucket_job = named(objects, "Job", "minio-bucket")
            assert settings.s3_bucket in str(bucket_job["spec"]["template"]["spec"])


@every_overlay
def test_the_collector_strips_personal_data_in_every_pipeline(overlay: str) -> None:
    objects = render(overlay)
    config = yaml.safe_load(named_prefix(objects, "otel-collector-config")["data"]["config.yaml"])
    for name, pipeline in config["service"]["pipelines"].items():
        processors = pipeline["processors"]
        assert processors[0] == "memory_limiter", name
        assert processors[-1] == "batch", name
        assert {"attributes/personal-data", "redaction/personal-data"} <= set(processors), name
    # The export address comes from the overlay.
    collector = named(objects, "Deployment", "otel-collector")
    (container,) = collector["spec"]["template"]["spec"]["containers"]
    assert environment_of(objects, container)["OTLP_EXPORT_ENDPOINT"]


def named_prefix(objects: tuple[Manifest, ...], prefix: str) -> Manifest:
    """A generated ConfigMap, whose name kustomize suffixes with a content hash."""
    (found,) = [
        o for o in of_kind(objects, "ConfigMap") if o["metadata"]["name"].startswith(prefix + "-")
    ]
    return found


def secret_references(objects: tuple[Manifest, ...]) -> set[tuple[str, str]]:
    """Every (secret, key) a workload needs, leaving out the optional ones."""
    return {
        (ref["name"], ref["key"])
        for workload in workloads(objects)
        for container in workload.containers
        for variable in container.get("env", [])
        if (ref := variable.get("valueFrom", {}).get("secretKeyRef")) and not ref.get("optional")
    }


def test_the_dev_secrets_script_creates_every_secret_the_overlay_needs(tmp_path: Path) -> None:
    overlay = "dev"
    script = DEPLOY / "overlays" / overlay / "secrets.sh"
    objects = render(overlay)

    def run() -> list[Manifest]:
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        # The dev test authority the Committee's seal key comes from, kept out of the checkout.
        environment = {"PATH": path, "ECOPERMIT_DATA_DIR": str(tmp_path / "dev-esign")}
        output = subprocess.run(
            [str(script)], check=True, capture_output=True, text=True, env=environment
        ).stdout
        return [s for s in yaml.safe_load_all(output) if s]

    secrets = run()
    for secret in secrets:
        kubernetes_validate.validate(secret, KUBERNETES_VERSION, strict=True)
    namespace = namespace_of(objects)
    created = {
        (s["metadata"]["name"], key)
        for s in secrets
        if s["metadata"]["namespace"] == namespace
        for key in s["data"]
    }
    assert secret_references(objects) <= created
    # Fresh keys on every run.
    assert secrets[0]["data"] != run()[0]["data"]


def test_the_temporal_helm_values_point_at_the_dev_database() -> None:
    overlay = "dev"
    values_file = DEPLOY / "overlays" / overlay / "temporal-values.yaml"
    objects = render(overlay)
    namespace = namespace_of(objects)
    values: dict[str, Any] = yaml.safe_load(values_file.read_text())
    created = (DEPLOY / "overlays" / overlay / "postgresql-init.sql").read_text()
    datastores = values["server"]["config"]["persistence"]["datastores"]
    assert set(datastores) == {"default", "visibility"}
    for store in datastores.values():
        sql = store["sql"]
        host, _, port = sql["connectAddr"].partition(":")
        service, service_namespace, *_ = host.split(".")
        assert service_namespace == namespace
        (service_port,) = named(objects, "Service", service)["spec"]["ports"]
        assert service_port["port"] == int(port)
        assert f"CREATE DATABASE {sql['databaseName']};" in created
        assert sql["existingSecret"]
        assert "password" not in sql
