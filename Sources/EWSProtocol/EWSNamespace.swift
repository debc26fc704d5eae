/// The XML namespaces of EWS and SOAP 1.1.
public enum EWSNamespace {
    /// SOAP 1.1 envelope.
    public static let soap = "http://schemas.xmlsoap.org/soap/envelope/"
    /// EWS messages (`m:`).
    public static let messages = "http://schemas.microsoft.com/exchange/services/2006/messages"
    /// EWS types (`t:`).
    public static let types = "http://schemas.microsoft.com/exchange/services/2006/types"
    /// EWS fault detail (`e:`).
    public static let errors = "http://schemas.microsoft.com/exchange/services/2006/errors"
    /// POX Autodiscover request.
    public static let autodiscoverRequest = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
    /// POX Autodiscover response (outer).
    public static let autodiscoverResponse = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
    /// POX Autodiscover response (Outlook settings, inner).
    public static let autodiscoverOutlookResponse = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
}
