import EWSProtocol
import Foundation

/// Body conversion between HTML and text, as a `BodyType` in a shape asks.
enum HTMLText {
    /// The text of an HTML body: tags dropped, line breaks for block ends, common entities decoded.
    static func plain(_ html: String) -> String {
        var out = ""
        var tag = ""
        var inTag = false
        for ch in html {
            if inTag {
                if ch == ">" {
                    inTag = false
                    let name = tag.lowercased().split(whereSeparator: { $0 == " " || $0 == "/" }).first.map(String.init) ?? ""
                    if ["br", "p", "div", "tr", "li"].contains(name) || tag.lowercased().hasPrefix("/p") || tag.lowercased().hasPrefix("/div") {
                        out += "\n"
                    }
                    tag = ""
                } else {
                    tag.append(ch)
                }
            } else if ch == "<" {
                inTag = true
            } else {
                out.append(ch)
            }
        }
        for (entity, char) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: char)
        }
        return out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A text body as HTML.
    static func html(_ text: String) -> String {
        "<html><body>" + text.xmlEscaped.replacingOccurrences(of: "\n", with: "<br>") + "</body></html>"
    }
}
