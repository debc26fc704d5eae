extension CheckCatalog {
    static let wsdlServiceAddress = CheckID("ews.wsdl.service-address")
    static let schemaResponsesValid = CheckID("ews.schema.responses-valid")
}

extension CheckRegistry {
    /// The provider's own WSDL: its service address keeps credentials where the user sent them.
    ///
    /// Required: a WSDL that points clients at another host is a standing invitation to send the
    /// service account's credentials there (every WSDL-generated client takes its endpoint from
    /// `soap:address`); issue 13 makes any host outside the credential set a failing check.
    static let wsdlFamily: [Check] = [
        Check(.init(id: CheckCatalog.wsdlServiceAddress, title: "WSDL service address stays on a credential host",
                    requirement: "The provider's Services.wsdl (or Exchange.asmx?wsdl), fetched authenticated from the EWS URL's folder, names in its soap:address a host allowed to receive the run's credentials (the EWS URL's host, the discovery domain or a profile's fixed-URL host), or no host at all (an empty location). The address is read, never requested. Skipped when the provider serves no WSDL.",
                    dependsOn: [CheckCatalog.serviceAccountAuth], tags: ["schema", "credentials"])) { suite, _ in
            await suite.wsdlServiceAddress()
        },
    ]

    /// Runs after the cleanup, over everything the run recorded (see `finalChecks`).
    ///
    /// Recommended, not required: the checks that prove what the product does already require
    /// the elements it reads, and Exchange's own clients read responses leniently; a response the
    /// schema does not allow is a risk for strict (generated) clients and a sign of a non-Exchange
    /// front end, not a proven break of the product.
    static let schemaFamily: [Check] = [
        Check(.init(id: CheckCatalog.schemaResponsesValid, title: "Every EWS response is schema-valid",
                    requirement: "Every EWS response the run recorded (header elements and operation response; faults and bodies the evidence holds only in part excepted) is valid against the provider's own messages.xsd and types.xsd, fetched authenticated from the EWS URL's folder; only when the provider serves none are the reference schemas used (v2017, or Exchange2010_SP2 for an Exchange 2010 ServerVersionInfo), and the result says so. At most 25,000 responses are validated per run (the rest are counted). Skipped when no schema is available.",
                    dependsOn: [CheckCatalog.serviceAccountAuth], tags: ["schema"], level: .recommended),
              applies: { $0.deselected[CheckCatalog.schemaResponsesValid] == nil }) { suite, _ in
            await suite.validateResponses()
        },
    ]
}
