// The host reads profiles as the wire model plugins write them (plugins/wire, the module the SDK
// re-exports), and adds what only the host does with them: parsing with every problem named
// (ProviderManifest+Validation.swift). Host code imports this module and sees both; plugins see only
// the wire model, so nothing here becomes a plugin author's API.
@_exported import EWSCheckPluginWire
