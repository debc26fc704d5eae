/// The XML namespaces of EWS and SOAP 1.1.
package enum EWSNamespace {
    /// SOAP 1.1 envelope.
    package static let soap = "http://schemas.xmlsoap.org/soap/envelope/"
    /// EWS messages (`m:`).
    package static let messages = "http://schemas.microsoft.com/exchange/services/2006/messages"
    /// EWS types (`t:`).
    package static let types = "http://schemas.microsoft.com/exchange/services/2006/types"
    /// EWS fault detail (`e:`).
    package static let errors = "http://schemas.microsoft.com/exchange/services/2006/errors"
    /// POX Autodiscover request.
    package static let autodiscoverRequest = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
    /// POX Autodiscover response (outer).
    package static let autodiscoverResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
    /// POX Autodiscover response (Outlook settings, inner).
    package static let autodiscoverOutlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
}
