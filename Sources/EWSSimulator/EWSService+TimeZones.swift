import EWSProtocol
import Foundation

extension EWSService {
    /// GetServerTimeZones: the zones the server knows, all or the ones named, with their periods
    /// and transitions unless `ReturnFullTimeZoneData="false"`.
    func getServerTimeZones(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let full = request.attribute("ReturnFullTimeZoneData").flatMap(XSBoolean.parse) ?? true
        var zones = WindowsTimeZone.all
        if let ids = request.child("Ids") {
            var picked: [WindowsTimeZone] = []
            for id in ids.children("Id") {
                guard let zone = WindowsTimeZone.named(id.text) else {
                    let error = EWSError("ErrorTimeZone", "The time zone \(id.text) is not known to the server.")
                    return SOAPWriter.operationResponse("GetServerTimeZones", messages: [SOAPWriter.error("GetServerTimeZones", error, emptyPayload: "<m:TimeZoneDefinitions/>")])
                }
                picked.append(zone)
            }
            zones = picked
        }
        let payload = "<m:TimeZoneDefinitions>" + zones.map { $0.definitionXML(full: full) }.joined() + "</m:TimeZoneDefinitions>"
        return SOAPWriter.operationResponse("GetServerTimeZones", messages: [SOAPWriter.success("GetServerTimeZones", payload: payload)])
    }
}
