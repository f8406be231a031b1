"""Test set-up on the lab's vCenter through the public API (pyvmomi and the REST tagging API), independent
of the collection's own code."""

import base64
import json
import os
import ssl
import time
import urllib.request

from pyVmomi import vim


def wait(task):
    while task.info.state not in ("success", "error"):
        time.sleep(0.05)
    if task.info.state == "error":
        raise RuntimeError(task.info.error.msg)
    return task.info.result


def find(si, vimtype, name):
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vimtype], True)
    try:
        return [o for o in view.view if o.name == name]
    finally:
        view.DestroyView()


def folder(si, path):
    """Create (or find) a VM folder below /DC0/vm."""
    dc = find(si, vim.Datacenter, "DC0")[0]
    f = dc.vmFolder
    for name in path.strip("/").split("/"):
        child = [c for c in f.childEntity if isinstance(c, vim.Folder) and c.name == name]
        f = child[0] if child else f.CreateFolder(name)
    return f


def create_vm(si, name, folder_path, cluster="zone-a", uuid=None, controller="lsilogic", nics=(),
              extra=None, power_on=True, hostname=None, ip=None):
    """A small node-like VM. nics: network names; extra: extraConfig dict."""
    cl = find(si, vim.ClusterComputeResource, cluster)[0]
    devices = []
    ctrl_cls = {"lsilogic": vim.vm.device.VirtualLsiLogicController,
                "pvscsi": vim.vm.device.ParaVirtualSCSIController}[controller]
    devices.append(vim.vm.device.VirtualDeviceSpec(operation="add", device=ctrl_cls(key=-10, busNumber=0,
                                                                                    sharedBus="noSharing")))
    for i, net in enumerate(nics):
        backing = vim.vm.device.VirtualEthernetCard.NetworkBackingInfo(deviceName=net)
        devices.append(vim.vm.device.VirtualDeviceSpec(operation="add", device=vim.vm.device.VirtualVmxnet3(
            key=-20 - i, backing=backing)))
    spec = vim.vm.ConfigSpec(name=name, guestId="ubuntu64Guest", numCPUs=2, memoryMB=2048, uuid=uuid,
                             files=vim.vm.FileInfo(vmPathName="[LocalDS_0]"), deviceChange=devices,
                             extraConfig=[vim.option.OptionValue(key=k, value=v) for k, v in (extra or {}).items()])
    for old in find(si, vim.VirtualMachine, name):  # left over by an interrupted run
        if old.parent.name == folder_path.strip("/").split("/")[-1]:
            destroy(old)
    vm = vim.VirtualMachine(wait(folder(si, folder_path).CreateVM_Task(config=spec, pool=cl.resourcePool))._moId,
                            si._stub)
    if power_on:
        wait(vm.PowerOnVM_Task())
    guest = []
    if hostname:
        guest.append(vim.option.OptionValue(key="SET.guest.hostName", value=hostname))
    if ip:
        guest.append(vim.option.OptionValue(key="SET.guest.ipAddress", value=ip))
    if guest:
        wait(vm.ReconfigVM_Task(vim.vm.ConfigSpec(extraConfig=guest)))
    return vm


def destroy(vm):
    if vm.runtime.powerState == "poweredOn":
        wait(vm.PowerOffVM_Task())
    wait(vm.Destroy_Task())


class Tags:
    """The vSphere REST tagging API of the lab."""

    def __init__(self):
        self.base = "https://%s:%s/rest/com/vmware/cis" % (os.environ["VMWARE_HOST"], os.environ["VMWARE_PORT"])
        self.ctx = ssl.create_default_context(cafile=os.environ["VMWARE_CA_BUNDLE"])
        auth = base64.b64encode(("%s:%s" % (os.environ["VMWARE_USER"], os.environ["VMWARE_PASSWORD"])).encode())
        self.token = self.call("POST", "/session", headers={"Authorization": "Basic " + auth.decode()})

    def call(self, method, path, body=None, headers=None):
        h = {"Content-Type": "application/json"}
        if getattr(self, "token", None):
            h["vmware-api-session-id"] = self.token
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, method=method, headers=h,
                                     data=json.dumps(body).encode() if body is not None else None)
        with urllib.request.urlopen(req, context=self.ctx) as r:
            raw = r.read()
        return json.loads(raw).get("value") if raw else None

    def category_id(self, name):
        for cid in self.call("GET", "/tagging/category"):
            if self.call("GET", "/tagging/category/id:" + cid)["name"] == name:
                return cid
        raise KeyError(name)

    def create_tag(self, category, name):
        spec = {"create_spec": {"name": name, "description": "", "category_id": self.category_id(category)}}
        return self.call("POST", "/tagging/tag", spec)

    def attach(self, tag_id, obj):
        self.call("POST", "/tagging/tag-association/id:%s?~action=attach" % tag_id,
                  {"object_id": {"id": obj._moId, "type": type(obj).__name__.split(".")[-1]}})

    def detach(self, tag_id, obj):
        self.call("POST", "/tagging/tag-association/id:%s?~action=detach" % tag_id,
                  {"object_id": {"id": obj._moId, "type": type(obj).__name__.split(".")[-1]}})

    def delete_tag(self, tag_id):
        self.call("DELETE", "/tagging/tag/id:" + tag_id)
