<%@ WebHandler Language="C#" Class="H" %>
using System.Web;
public class H : IHttpHandler {
 public void ProcessRequest(HttpContext context) {
  context.Response.Write(HttpUtility.HtmlEncode(context.Request["x"]));
 }
 public bool IsReusable { get { return true; } }
}
