// A stand-in for the Storage emulator's rules runtime, which firebase-tools would download from
// storage.googleapis.com (offline here). It speaks the runtime's line protocol on stdin/stdout and
// denies every client request: exactly what storage.rules says (exports are reached only through
// their download link, and the Admin SDK is not subject to rules).
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class DenyAll {
  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    out.println("{\"id\":-1,\"status\":\"ok\"}");
    out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
    Pattern id = Pattern.compile("\"id\":(-?\\d+)");
    String line;
    while ((line = in.readLine()) != null) {
      Matcher m = id.matcher(line);
      String last = null;
      while (m.find()) {
        last = m.group(1);
      }
      String result = line.contains("\"load_ruleset\"") ? "{\"rulesVersion\":2}" : "{\"permit\":false}";
      out.println("{\"id\":" + last + ",\"status\":\"ok\",\"errors\":[],\"warnings\":[],\"result\":" + result + "}");
      out.flush();
    }
  }
}
