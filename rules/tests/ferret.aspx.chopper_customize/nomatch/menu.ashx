<%@ WebHandler Language="C#" Class="H" %>
public class H : System.Web.IHttpHandler {
 public void ProcessRequest(System.Web.HttpContext context) {
  switch (context.Request["m"]) { case "A": break; case "B": break; case "C": break; case "D": break; case "E": break; }
 }
 public bool IsReusable { get { return false; } }
}
